"""`injectq.decorators.singleton`: injectq 0.5.0's path of the lifetime decorators."""

from .._lifetimes import scoped, singleton, transient

__all__ = ["scoped", "singleton", "transient"]
