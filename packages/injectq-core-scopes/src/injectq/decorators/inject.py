"""`injectq.decorators.inject`: injectq 0.5.0's path of `inject` and `Inject`."""

from .._inject import inject
from .._parameters import Inject

__all__ = ["Inject", "inject"]
