"""`injectq.decorators`: the import paths injectq 0.5.0 had for its decorators."""

from .._inject import inject
from .._lifetimes import scoped, singleton, transient
from .._parameters import Inject

__all__ = ["Inject", "inject", "scoped", "singleton", "transient"]
