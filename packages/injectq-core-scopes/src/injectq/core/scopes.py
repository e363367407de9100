"""`injectq.core.scopes`: injectq 0.5.0's import path of `ScopeType` and `Scope`."""

from injectq._lifetimes import ScopeType
from injectq._scope import Scope

__all__ = ["Scope", "ScopeType"]
