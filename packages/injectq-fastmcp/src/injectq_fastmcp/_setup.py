"""`setup_fastmcp_integration`: a container for a FastMCP server."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final, cast

from fastmcp import Context, FastMCP

from injectq import BindingError, EntryPoint, InjectQ

from ._components import entry_name, injected_parameters, local_components, user_function
from ._middleware import InjectQMiddleware
from ._tools import inject_tools

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

logger = logging.getLogger("injectq.fastmcp")

#: the attribute of a FastMCP server holding the lifespan given to its constructor
_LIFESPAN_ATTRIBUTE: Final = "_lifespan"


def setup_fastmcp_integration(
    mcp: FastMCP[Any], container: InjectQ, *, validate: bool = True
) -> None:
    """One InjectQ scope named `request` per tool call, resource read and prompt render, on
    every transport; the MCP `Context` injectable into factories.

    The server's lifespan holds a `container.lifespan()` around its own: the container's
    singletons close after the server's lifespan ends, unless another runtime (an app, a
    broker, another server) still serves the container, in which case the last one to end
    closes them. When it starts, and unless `validate` is False, the lifespan validates the
    server's tools, resources and prompts (`mcp_entry_points`): a ValidationError fails the
    start-up, naming each component and the path of each problem.
    """
    if not isinstance(cast("object", mcp), FastMCP):
        raise BindingError(
            f"setup_fastmcp_integration() needs a FastMCP server, got {mcp!r}",
            fix="pass the FastMCP(...) instance",
        )
    if not isinstance(cast("object", container), InjectQ):
        raise BindingError(
            f"setup_fastmcp_integration() needs an InjectQ container, got {container!r}",
            fix="setup_fastmcp_integration(mcp, container)",
        )
    if find_middleware(mcp) is not None:
        raise BindingError(
            f"InjectQ is already set up on FastMCP server {mcp.name!r}",
            fix="call setup_fastmcp_integration once per server",
        )
    lifespan = getattr(mcp, _LIFESPAN_ATTRIBUTE, None)
    if not callable(lifespan):
        raise BindingError(
            "this FastMCP server has no lifespan InjectQ can wrap (a FastMCP version this "
            "adapter does not know)",
            fix="use FastMCP 4 (injectq-fastmcp depends on fastmcp>=4,<5)",
        )
    container.declare_context(Context)
    # first: the scope is open for every other middleware of the chain
    mcp.middleware.insert(0, InjectQMiddleware(container, mcp))
    setattr(mcp, _LIFESPAN_ATTRIBUTE, _serving(lifespan, container, validate=validate))
    # the tools registered so far; the middleware looks again when more are registered
    inject_tools(mcp, container)


def find_middleware(mcp: FastMCP[Any]) -> InjectQMiddleware | None:
    """The InjectQ middleware installed on `mcp`, if any."""
    for middleware in mcp.middleware:
        if isinstance(middleware, InjectQMiddleware):
            return middleware
    return None


def _serving(lifespan: Any, container: InjectQ, *, validate: bool) -> Any:
    """The server's own lifespan inside a lifespan of the container, the server's
    components validated once its own lifespan has started."""

    @asynccontextmanager
    async def serving(server: FastMCP[Any]) -> AsyncGenerator[Any, None]:
        # the container's singletons close when the last runtime serving it ends: this
        # server, or an app, a broker or another server sharing the container
        async with (
            container.lifespan(f"FastMCP server {server.name}", log_failures=logger),
            lifespan(server) as state,
        ):
            if validate:
                # after the server's own lifespan started, which may still bind services;
                # before the first call. A ValidationError here fails the start-up.
                container.validate(entry_points=mcp_entry_points(server))
            yield state

    return serving


def mcp_entry_points(mcp: FastMCP[Any]) -> list[EntryPoint]:
    """Every tool, resource, resource template and prompt of the server as an `EntryPoint`,
    for `container.validate(entry_points=...)`.

    Each runs in its own scope with the MCP `Context` as its scope context: one that needs
    what an MCP call cannot supply (an HTTP `Request`, a task message) or a key that is not
    bound fails validation. Names: `tool search_orders`, `resource orders://{id}`,
    `prompt summary`.
    """
    if not isinstance(cast("object", mcp), FastMCP):
        raise BindingError(
            f"mcp_entry_points() needs a FastMCP server, got {mcp!r}",
            fix="pass the FastMCP(...) instance",
        )
    supplied: frozenset[Any] = frozenset({Context})
    entries: list[EntryPoint] = []
    for component in local_components(mcp):
        name = entry_name(component)
        function = getattr(component, "fn", None)
        if name is None or not callable(function):
            continue
        parameters = injected_parameters(user_function(function), name)
        entries.append(
            EntryPoint(
                name,
                tuple(parameter.key for parameter in parameters),
                context=supplied,
                scopes=frozenset({"request"}),
                optional=frozenset(p.key for p in parameters if p.optional),
            )
        )
    return entries
