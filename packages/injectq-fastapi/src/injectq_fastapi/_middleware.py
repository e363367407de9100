"""A pure ASGI middleware: one InjectQ scope per HTTP request and per WebSocket connection.

The scope opens before the app sees the request and closes after the app returns, which in
Starlette is after the response was sent and its background tasks ran. The app's exception,
or the one an exception handler turned into a response (recorded by the handler, see
`_handlers`), is thrown into the finalizers. A finalizer that fails is logged on
`injectq.fastapi` with the method and path and changes nothing the client receives: the
response was sent, and the connection stays open. An exception that escaped the app is
raised again after the scope closed (the server reports it, as Starlette expects). No
`BaseHTTPMiddleware` (slow, and it breaks context variables).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from injectq import Deferred

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from injectq import InjectQ

logger = logging.getLogger("injectq.fastapi")


class RouteLabel(tuple[Any, str]):
    """The label of a request's (or WebSocket session's) scope, made from `(asgi scope,
    root path)`: `str()` of it is `GET /items/{item_id}` (`WEBSOCKET /live`), the route's path
    template when a route matched, else the URL path. Computed only when a message is
    written (a tuple, so making one per request runs no Python code)."""

    __slots__ = ()

    def __str__(self) -> str:
        scope, root_path = self
        method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
        path: Any = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            # a mounted app's routes are relative to where it is mounted
            mounted: str = scope.get("root_path", "")
            if len(mounted) > len(root_path) and mounted.startswith(root_path):
                path = mounted[len(root_path) :] + path
        else:
            path = scope.get("path", "")
        return f"{method} {path}"

    def __repr__(self) -> str:
        return f"<RouteLabel {self}>"


class InjectQMiddleware:
    """`request` scope per HTTP request (`Request` injectable), `session` per WebSocket.

    `setup_fastapi_integration` puts it around the whole middleware stack the app builds
    (outside `ServerErrorMiddleware`, so every middleware and the 500 handler run inside the
    scope) and makes the app's exception handlers record the exceptions they handle. Wrap an
    ASGI app yourself (`InjectQMiddleware(app, container)`) only where that setup does not
    apply; the exceptions that app's handlers turn into responses then do not reach the
    finalizers.
    """

    def __init__(self, app: ASGIApp, container: InjectQ) -> None:
        self.app = app
        self.container = container
        # the name, the context key and the logger checked once, not per request
        self._open_request = container.opener("request", context=(Request,), log_failures=logger)
        self._open_session = container.opener("session", context=(WebSocket,), log_failures=logger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            unit = self._open_request(
                {Request: Deferred(Request, scope, receive, send)},  # made if injected
                RouteLabel((scope, scope.get("root_path", ""))),
            )
        elif kind == "websocket":
            unit = self._open_session(
                {WebSocket: Deferred(WebSocket, scope, receive, send)},
                RouteLabel((scope, scope.get("root_path", ""))),
            )
        else:
            await self.app(scope, receive, send)
            return
        unit.enter()
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            # finalizers see it (or the exception a handler recorded); failures are logged
            pending = unit.finish(error)
            if pending is not None:
                await pending
            raise
        pending = unit.finish()
        if pending is not None:
            await pending
