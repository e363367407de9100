"""Exceptions that an exception handler turns into a response still reach the finalizers.

Starlette handles `HTTPException`, `WebSocketException`, FastAPI's validation errors and
every exception (or status code) with a registered handler inside `ExceptionMiddleware` and
inside each route, so a middleware around the app never sees them. FastAPI's own `yield`
dependencies do see them, and so must InjectQ's finalizers (a transaction rolls back on a
404). When the app builds its middleware stack, each handler it passes on is wrapped: the
wrapper records the exception in the active scope (`Scope.record_error`; the first recorded
error is the one thrown into the finalizers), then calls the handler. A sync handler stays
sync (Starlette runs it in its thread pool, with the request's context) and an async one
async.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException, WebSocketException
from starlette.middleware.exceptions import ExceptionMiddleware

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from starlette.types import ASGIApp

    from injectq import InjectQ


def recording_handlers(
    handlers: Mapping[Any, Callable[..., Any]], container: InjectQ, app: ASGIApp
) -> dict[Any, Callable[..., Any]]:
    """`handlers` (an app's `exception_handlers`) with each one recording what it handles,
    and Starlette's own defaults for `HTTPException` and `WebSocketException` added where the
    app has none, so that those are recorded too."""
    defaults = ExceptionMiddleware(app)
    complete: dict[Any, Callable[..., Any]] = {
        HTTPException: defaults.http_exception,
        WebSocketException: defaults.websocket_exception,
    }
    complete.update(handlers)
    return {key: recording(handler, container) for key, handler in complete.items()}


def recording(handler: Callable[..., Any], container: InjectQ) -> Callable[..., Any]:
    """`handler`, recording the exception it handles in the active scope first."""
    if _is_async(handler):

        @functools.wraps(handler)
        async def record_then_handle_async(connection: Any, exc: Exception) -> Any:
            scope = container.current_scope
            if scope is not None:
                scope.record_error(exc)
            return await handler(connection, exc)

        return record_then_handle_async

    @functools.wraps(handler)
    def record_then_handle(connection: Any, exc: Exception) -> Any:
        scope = container.current_scope
        if scope is not None:
            scope.record_error(exc)
        return handler(connection, exc)

    return record_then_handle


def _is_async(handler: object) -> bool:
    """Whether Starlette awaits `handler` (its rule: a coroutine function, through
    `functools.partial`, or an object whose `__call__` is one)."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        type(handler).__call__
    )
