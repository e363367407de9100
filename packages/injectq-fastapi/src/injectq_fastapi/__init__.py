"""InjectQ for FastAPI: one scope per request and per WebSocket, injection without OpenAPI noise."""

from ._dependency import Inject, InjectQDependency, InjectQDepends
from ._middleware import InjectQMiddleware
from ._setup import route_entry_points, setup_fastapi_integration

__all__ = [
    "Inject",
    "InjectQDependency",
    "InjectQDepends",
    "InjectQMiddleware",
    "route_entry_points",
    "setup_fastapi_integration",
]
