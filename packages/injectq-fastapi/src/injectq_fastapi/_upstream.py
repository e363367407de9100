"""The names injectq 0.5.0 gave its FastAPI integration, as faces of this adapter.

Scopes, injection and validation are this adapter's (`setup_fastapi_integration`,
`InjectQDependency`). What 0.5.0 added on top is a per-connection context variable naming the
container, read by `get_container_fastapi()`; `InjectQRequestMiddleware` sets it, and
`setup_fastapi` adds that middleware next to the adapter's set-up.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from injectq import ScopeError

from ._dependency import InjectQDependency
from ._setup import setup_fastapi_integration

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from injectq import InjectQ

T = TypeVar("T")

#: the container serving the HTTP request or WebSocket connection in progress
request_container: ContextVar[InjectQ | None] = ContextVar(
    "injectq_fastapi_request_container", default=None
)


class InjectQRequestMiddleware:
    """A pure ASGI middleware: `get_container_fastapi()` is `container` while an HTTP request
    or a WebSocket connection is served (other ASGI messages pass through untouched).

    It opens no scope: `setup_fastapi` adds it inside the adapter's `InjectQMiddleware`,
    which opens one scope per request and per WebSocket connection.
    """

    def __init__(self, app: ASGIApp, *, container: InjectQ) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = request_container.set(self.container)
        try:
            await self.app(scope, receive, send)
        finally:
            request_container.reset(token)


def get_container_fastapi() -> InjectQ:
    """The container serving the request (or WebSocket connection) in progress."""
    container = request_container.get()
    if container is None:
        raise ScopeError(
            "No InjectQ container in the current request context: get_container_fastapi() "
            "was called outside a request of an app set up with setup_fastapi",
            fix="call setup_fastapi(container, app) when building the app, and "
            "get_container_fastapi() while a request is served",
        )
    return container


def setup_fastapi(container: InjectQ, app: FastAPI) -> None:
    """`setup_fastapi_integration(app, container)`, with 0.5.0's argument order, plus
    `InjectQRequestMiddleware` for `get_container_fastapi()`."""
    setup_fastapi_integration(app, container)
    app.add_middleware(InjectQRequestMiddleware, container=container)


def InjectFastAPI(interface: Callable[..., T]) -> T:  # noqa: N802
    """`Annotated[T, InjectFastAPI(T)]`: `InjectQDependency(T)` under 0.5.0's name."""
    return InjectQDependency(interface)


InjectAPI = InjectFastAPI
