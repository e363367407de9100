"""`injectq.integrations.fastmcp`: the public names of the injectq-fastmcp wheel.

Also injectq 0.5.0's names of its FastMCP integration (`InjectQMCPMiddleware`, and FastMCP's
own `get_context`, which 0.5.0's module offered too), as faces of the adapter's machinery;
they are importable by name but not part of `__all__`, which is exactly the wheel's.
"""

from __future__ import annotations

try:
    from fastmcp.server.dependencies import get_context as get_context

    from injectq_fastmcp import (
        Inject,
        InjectMCP,
        InjectQDependency,
        InjectQDepends,
        InjectQMiddleware,
        get_container_mcp,
        mcp_entry_points,
        setup_fastmcp_integration,
        setup_mcp,
    )
    from injectq_fastmcp._upstream import InjectQMCPMiddleware as InjectQMCPMiddleware
except ModuleNotFoundError as error:
    if error.name not in {"injectq_fastmcp", "fastmcp", "mcp", "uncalled_for"}:
        raise
    from ._require import missing_wheel

    raise missing_wheel("fastmcp", "injectq-fastmcp", error) from error

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
