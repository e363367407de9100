"""What one tool call, resource read or prompt render shares with the code that serves it."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from injectq import InjectQ, Scope

_KINDS = {"tools/call": "tool", "resources/read": "resource", "prompts/get": "prompt"}


class Call:
    """One unit of work of the server, made by the middleware that opened its scope."""

    __slots__ = ("container", "message", "method", "scope")

    def __init__(self, container: InjectQ, method: str, message: Any) -> None:
        self.container = container
        self.method = method
        self.message = message
        self.scope: Scope | None = None

    def __str__(self) -> str:
        return self.where

    @property
    def where(self) -> str:
        """What was called, as errors name it: `tool search_orders`, `resource orders://42`."""
        kind = _KINDS.get(self.method, self.method)
        target = getattr(self.message, "name", None) or getattr(self.message, "uri", None)
        return f"{kind} {target}" if target is not None else kind


def record_failure(call: Call, error: BaseException) -> None:
    """Keep the exception the call's own code raised for the scope's finalizers: FastMCP
    wraps it in a ToolError before the middleware sees it (the first recorded one wins:
    later ones are its echoes)."""
    if call.scope is not None:
        call.scope.record_error(error)


#: the call being served; set by the middleware around the rest of the chain
current_call: ContextVar[Call | None] = ContextVar("injectq_fastmcp_call", default=None)
