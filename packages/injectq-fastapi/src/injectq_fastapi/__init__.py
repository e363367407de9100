"""InjectQ for FastAPI: one scope per request and per WebSocket, injection without OpenAPI noise."""

from injectq import Inject

# importing `_dependency` registers FastAPI's marker: `injectq.Inject[T]` carries it from now on
from ._dependency import InjectQDependency, InjectQDepends
from ._middleware import InjectQMiddleware
from ._setup import route_entry_points, setup_fastapi_integration
from ._upstream import InjectAPI, InjectFastAPI, setup_fastapi

__all__ = [
    "Inject",
    "InjectAPI",
    "InjectFastAPI",
    "InjectQDependency",
    "InjectQDepends",
    "InjectQMiddleware",
    "route_entry_points",
    "setup_fastapi",
    "setup_fastapi_integration",
]
