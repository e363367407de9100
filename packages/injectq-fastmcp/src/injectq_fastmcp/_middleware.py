"""A FastMCP middleware: one InjectQ scope per tool call, resource read and prompt render.

Every transport (in memory, stdio, streamable HTTP) and every way of calling
(`mcp.call_tool`, a client) goes through the server's middleware chain, so this is the one
place that sees each unit of work. It overrides `__call__` rather than the `on_call_tool`
family of hooks: FastMCP builds a chain of hook wrappers per message for the hooks, which
costs more than the scope itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from fastmcp import Context
from fastmcp.server.middleware import Middleware

from ._call import Call, current_call
from ._components import components_of
from ._tools import inject_tools

if TYPE_CHECKING:
    from fastmcp import FastMCP
    from fastmcp.server.middleware import CallNext, MiddlewareContext

    from injectq import InjectQ

logger = logging.getLogger("injectq.fastmcp")

#: the methods that run a component: each gets its own scope
SCOPED_METHODS: Final = frozenset({"tools/call", "resources/read", "prompts/get"})


class InjectQMiddleware(Middleware):
    """Scope `request` per tool call, resource read and prompt render (`Context` injectable).

    The scope is open for the whole rest of the middleware chain, so middlewares added after
    this one (it is put first) can resolve scoped services too. Finalizers see the exception
    the tool function raised, not the ToolError FastMCP made of it; a failing finalizer is
    logged and does not change the call's outcome.
    """

    def __init__(self, container: InjectQ, server: FastMCP[Any] | None = None) -> None:
        self.container = container
        self.server = server
        self._components = None if server is None else components_of(server)
        # the name, the context key and the logger checked once, not per call
        self._open = container.opener("request", context=(Context,), log_failures=logger)
        self._seen = -1

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        method = context.method
        if method not in SCOPED_METHODS:
            return await call_next(context)
        components = self._components
        if components is not None and len(components) != self._seen and self.server is not None:
            # tools were registered since the last look: give them the fast path
            self._seen = len(components)
            inject_tools(self.server, self.container, strict=False)
        call = Call(self.container, method, context.message)
        fastmcp_context = context.fastmcp_context
        # a finalizer that fails is logged with the tool's (resource's, prompt's) name and
        # never changes the call's outcome
        scope = call.scope = self._open(
            {} if fastmcp_context is None else {Context: fastmcp_context}, call
        )
        token = current_call.set(call)
        try:
            scope.enter()
            try:
                result = await call_next(context)
            except BaseException as error:
                # the finalizers see the function's own exception, recorded where it was
                # raised, rather than the ToolError FastMCP made of it
                pending = scope.finish(error)
                if pending is not None:
                    await pending
                raise
            pending = scope.finish()
            if pending is not None:
                await pending
            return result
        finally:
            current_call.reset(token)
            # the scope's label is the call, which holds the scope: no cycle left per call
            call.scope = None
