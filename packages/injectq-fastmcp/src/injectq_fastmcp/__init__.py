"""InjectQ for FastMCP: one scope per tool call, resource read and prompt render."""

from injectq import Inject, add_framework_marker

from ._dependency import InjectQDependency, InjectQDepends, framework_marker
from ._middleware import InjectQMiddleware
from ._setup import mcp_entry_points, setup_fastmcp_integration
from ._upstream import InjectMCP, get_container_mcp, setup_mcp

# `injectq.Inject[T]` carries FastMCP's marker from now on (imported first, FastMCP finds the
# adapter through the `injectq.markers` entry point, which names the same function)
add_framework_marker("fastmcp", framework_marker)

__all__ = [
    "Inject",
    "InjectMCP",
    "InjectQDependency",
    "InjectQDepends",
    "InjectQMiddleware",
    "get_container_mcp",
    "mcp_entry_points",
    "setup_fastmcp_integration",
    "setup_mcp",
]
