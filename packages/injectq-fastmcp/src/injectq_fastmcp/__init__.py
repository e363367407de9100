"""InjectQ for FastMCP: one scope per tool call, resource read and prompt render."""

from ._dependency import Inject, InjectQDependency, InjectQDepends
from ._middleware import InjectQMiddleware
from ._setup import mcp_entry_points, setup_fastmcp_integration

__all__ = [
    "Inject",
    "InjectQDependency",
    "InjectQDepends",
    "InjectQMiddleware",
    "mcp_entry_points",
    "setup_fastmcp_integration",
]
