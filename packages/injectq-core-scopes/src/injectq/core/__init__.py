"""injectq 0.5.0's import paths under `injectq.core`, as faces of this project's own.

`injectq.core.container.InjectQ` is `injectq.InjectQ`, `ModuleBinder` is `injectq.Binder`, and
so on: one container, one scope model. Upstream's internal machinery (its registry, resolver and
scope storage classes) has no counterpart here; see `docs/migration.md`.
"""

from injectq._container import ContainerContext, InjectQ
from injectq._lifetimes import ScopeType
from injectq._module import Binder as ModuleBinder
from injectq._scope import Scope

from .thread_safety import AsyncSafeCounter, HybridLock, ThreadSafeDict

__all__ = [
    "AsyncSafeCounter",
    "ContainerContext",
    "HybridLock",
    "InjectQ",
    "ModuleBinder",
    "Scope",
    "ScopeType",
    "ThreadSafeDict",
]
