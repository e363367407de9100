"""A pure ASGI middleware: one InjectQ scope per HTTP request and per WebSocket connection.

The scope opens before the app sees the request and closes after the app returns, which in
Starlette is after the response was sent and its background tasks ran; an exception that
escapes the app is thrown into the finalizers. No `BaseHTTPMiddleware` (slow, and it breaks
context variables).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.websockets import WebSocket

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from injectq import InjectQ


class InjectQMiddleware:
    """`request` scope per HTTP request (`Request` injectable), `session` per WebSocket."""

    def __init__(self, app: ASGIApp, container: InjectQ) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            request = Request(scope, receive, send)
            async with self.container.scope("request", context={Request: request}):
                await self.app(scope, receive, send)
        elif kind == "websocket":
            websocket = WebSocket(scope, receive, send)
            async with self.container.scope("session", context={WebSocket: websocket}):
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
