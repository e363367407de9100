"""`injectq.integrations.fastmcp`: the public names of the injectq-fastmcp wheel."""

from __future__ import annotations

try:
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
