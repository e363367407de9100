"""What one tool call, resource read or prompt render shares with the code that serves it."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from injectq import InjectQ

_KINDS = {"tools/call": "tool", "resources/read": "resource", "prompts/get": "prompt"}


class Call:
    """One unit of work of the server, made by the middleware that opened its scope.

    `error` is the exception the tool (resource, prompt) function itself raised, recorded by
    the code that called it: FastMCP wraps it in a ToolError before the middleware sees it,
    and the scope's finalizers are to see the original.
    """

    __slots__ = ("container", "error", "message", "method")

    def __init__(self, container: InjectQ, method: str, message: Any) -> None:
        self.container = container
        self.method = method
        self.message = message
        self.error: BaseException | None = None

    @property
    def where(self) -> str:
        """What was called, as errors name it: `tool search_orders`, `resource orders://42`."""
        kind = _KINDS.get(self.method, self.method)
        target = getattr(self.message, "name", None) or getattr(self.message, "uri", None)
        return f"{kind} {target}" if target is not None else kind


def record_failure(call: Call, error: BaseException) -> None:
    """Keep the first exception the call's own code raised (later ones are its echoes)."""
    if call.error is None:
        call.error = error


#: the call being served; set by the middleware around the rest of the chain
current_call: ContextVar[Call | None] = ContextVar("injectq_fastmcp_call", default=None)
