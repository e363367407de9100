"""The names injectq 0.5.0 gave its FastMCP integration, as faces of this adapter.

Scopes and injection are this adapter's (`setup_fastmcp_integration`, `InjectQDependency`,
`InjectQMiddleware`); the container serving a call is the one of the call in progress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from injectq import ScopeError

from ._call import current_call
from ._dependency import InjectQDependency
from ._middleware import InjectQMiddleware
from ._setup import setup_fastmcp_integration

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastmcp import FastMCP

    from injectq import InjectQ

T = TypeVar("T")


def setup_mcp(container: InjectQ, mcp: FastMCP[Any]) -> None:
    """`setup_fastmcp_integration(mcp, container)`, with 0.5.0's argument order."""
    setup_fastmcp_integration(mcp, container)


def InjectMCP(interface: Callable[..., T]) -> T:  # noqa: N802
    """`Annotated[T, InjectMCP(T)]`: `InjectQDependency(T)` under 0.5.0's name."""
    return InjectQDependency(interface)


def get_container_mcp() -> InjectQ:
    """The container serving the tool call (resource read, prompt render) in progress."""
    call = current_call.get()
    if call is None:
        raise ScopeError(
            "No active FastMCP request context: get_container_mcp() was called outside a "
            "tool call of a server set up with InjectQ",
            fix="call it from a tool, resource or prompt of a server set up with "
            "setup_fastmcp_integration(mcp, container)",
        )
    return call.container


class InjectQMCPMiddleware(InjectQMiddleware):
    """`mcp.add_middleware(InjectQMCPMiddleware(container=container))`: the adapter's
    middleware (a scope per tool call, resource read and prompt render), for a server not set
    up with `setup_mcp`.

    Unlike `setup_mcp`, it does not close the container's singletons when the server stops
    nor validate the server's components when it starts. Use one or the other: with both,
    each call runs in two nested scopes.
    """

    def __init__(self, *, container: InjectQ) -> None:
        super().__init__(container)
