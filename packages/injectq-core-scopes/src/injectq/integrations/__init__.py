"""Thin re-exports of the adapter wheels: `injectq.integrations.taskiq` and friends.

Each module re-exports its adapter's public names, or, when that wheel is not installed,
raises an ImportError that names the wheel to install. The core never imports an adapter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time each is imported when first asked for (`__getattr__`)
    from .fastapi import InjectAPI, InjectFastAPI, InjectQRequestMiddleware, setup_fastapi
    from .fastmcp import InjectMCP, InjectQMCPMiddleware, get_container_mcp, setup_mcp
    from .taskiq import InjectTask, InjectTaskiq, setup_taskiq

#: injectq 0.5.0's names, importable from `injectq.integrations` itself: each loads only its
#: own framework's adapter, when it is first used
_UPSTREAM_NAMES = {
    "setup_fastapi": "fastapi",
    "InjectAPI": "fastapi",
    "InjectFastAPI": "fastapi",
    "InjectQRequestMiddleware": "fastapi",
    "setup_taskiq": "taskiq",
    "InjectTask": "taskiq",
    "InjectTaskiq": "taskiq",
    "setup_mcp": "fastmcp",
    "InjectMCP": "fastmcp",
    "InjectQMCPMiddleware": "fastmcp",
    "get_container_mcp": "fastmcp",
}

__all__ = [
    "InjectAPI",
    "InjectFastAPI",
    "InjectMCP",
    "InjectQMCPMiddleware",
    "InjectQRequestMiddleware",
    "InjectTask",
    "InjectTaskiq",
    "get_container_mcp",
    "setup_fastapi",
    "setup_mcp",
    "setup_taskiq",
]


def __getattr__(name: str) -> Any:
    module = _UPSTREAM_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'injectq.integrations' has no attribute {name!r}")
    return getattr(importlib.import_module(f"injectq.integrations.{module}"), name)
