"""`injectq.core.context`: injectq 0.5.0's import path of `ContainerContext`."""

from injectq._container import ContainerContext

__all__ = ["ContainerContext"]
