"""`injectq.core.container`: injectq 0.5.0's import path of the container."""

from injectq._container import InjectQ
from injectq._module import Binder as ModuleBinder

__all__ = ["InjectQ", "ModuleBinder"]
