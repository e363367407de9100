"""`setup_fastapi_integration`: a container for a FastAPI app."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI
from starlette.requests import Request
from starlette.websockets import WebSocket

from injectq import BindingError, EntryPoint, InjectQ, unwrap_optional

from ._dependency import KEY_ATTRIBUTE, STATE_ATTRIBUTE
from ._handlers import recording_handlers
from ._middleware import InjectQMiddleware, logger
from ._routes import api_routes, inject_routes, injected_parameters, is_websocket

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable

    from fastapi.dependencies.models import Dependant
    from starlette.types import ASGIApp


def setup_fastapi_integration(app: FastAPI, container: InjectQ, *, validate: bool = True) -> None:
    """One InjectQ scope per request (open until the response and its background tasks are
    done) and per WebSocket connection; `Request` / `WebSocket` injectable into factories;
    the container's singletons closed when the app's lifespan ends (after the last runtime
    sharing the container, see `InjectQ.lifespan`).

    When the app's lifespan starts, after the app's own lifespan has started, every route is
    validated against the container in its runtime (`route_entry_points`): a problem stops
    the start-up, naming each route that has it. `validate=False` skips that.

    The scope is the outermost layer of the app, whatever the order of `add_middleware`
    calls: every middleware and every exception handler (the 500 one too) runs inside it.
    Exceptions that handlers turn into responses reach the finalizers; a finalizer that
    fails is logged on `injectq.fastapi` and never changes the response or the connection.
    """
    if not isinstance(cast("object", app), FastAPI):
        raise BindingError(
            f"setup_fastapi_integration() needs a FastAPI app, got {app!r}",
            fix="pass the FastAPI() instance",
        )
    if not isinstance(cast("object", container), InjectQ):
        raise BindingError(
            f"setup_fastapi_integration() needs an InjectQ container, got {container!r}",
            fix="setup_fastapi_integration(app, container)",
        )
    if getattr(app.state, STATE_ATTRIBUTE, None) is not None:
        raise BindingError(
            "InjectQ is already set up on this app",
            fix="call setup_fastapi_integration once per app",
        )
    if app.middleware_stack is not None:
        raise BindingError(
            "setup_fastapi_integration() was called after the app started serving",
            fix="set up InjectQ when building the app, before it serves (or starts) at all",
        )
    container.declare_context(Request, WebSocket)
    setattr(app.state, STATE_ATTRIBUTE, container)
    # an instance attribute: Starlette and FastAPI call `self.build_middleware_stack()`
    vars(app)["build_middleware_stack"] = _scoped_stack(app, container)
    app.router.lifespan_context = _serving(app.router.lifespan_context, container, validate)
    inject_routes(app.router.routes, container)


def _scoped_stack(app: FastAPI, container: InjectQ) -> Callable[[], ASGIApp]:
    """The app's own `build_middleware_stack`, with its exception handlers recording what
    they handle, wrapped in `InjectQMiddleware` (so the scope is outside
    `ServerErrorMiddleware` and every user middleware, whenever they were added)."""
    build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        handlers = app.exception_handlers
        # only while the stack is built: the app's own dict stays the user's
        app.exception_handlers = cast("Any", recording_handlers(handlers, container, app.router))
        try:
            stack = build()
        finally:
            app.exception_handlers = handlers
        return InjectQMiddleware(stack, container)

    return build_middleware_stack


def _serving(lifespan: Any, container: InjectQ, validate: bool) -> Any:
    """The app's own lifespan inside a lifespan of the container (the singletons close when
    the last runtime serving the container ends: this app, or a broker or an MCP server that
    shares it), then the routes validated before the app serves."""

    @asynccontextmanager
    async def lifespan_of_the_container(app: Any) -> AsyncGenerator[Any, None]:
        # the routes declared after setup_fastapi_integration
        inject_routes(app.router.routes, container)
        async with (
            container.lifespan(f"FastAPI app {app.title}", log_failures=logger),
            lifespan(app) as state,
        ):
            if validate:  # after the app's own lifespan: what it binds counts
                container.validate(entry_points=route_entry_points(app))
            yield state

    return lifespan_of_the_container


def route_entry_points(app: FastAPI) -> list[EntryPoint]:
    """Every route of the app as an `EntryPoint`, for `container.validate(entry_points=...)`.

    HTTP routes supply `Request`, WebSocket routes `WebSocket`; a route that needs what its
    runtime cannot supply (or a key that is not bound) fails validation.
    """
    entries: list[EntryPoint] = []
    for route in api_routes(app.router.routes):
        dependant: Dependant | None = getattr(route, "dependant", None)
        if dependant is None:
            continue
        if is_websocket(route):
            supplied: frozenset[Any] = frozenset({WebSocket})
            scope = "session"
            name = f"WEBSOCKET {route.path}"
        else:
            supplied = frozenset({Request})
            scope = "request"
            name = f"{','.join(sorted(route.methods or ()))} {route.path}"
        # (key, optional) of the parameters of the fast path, then of FastAPI's dependencies
        found = [(p.key, p.optional) for p in injected_parameters(dependant.call)]
        found += _injected_keys(dependant)
        keys = tuple(key for key, _ in found)
        needed = {key for key, optional in found if not optional}
        optional = frozenset(key for key, _ in found if key not in needed)
        entries.append(
            EntryPoint(name, keys, context=supplied, scopes=frozenset({scope}), optional=optional)
        )
    return entries


def _injected_keys(dependant: Dependant) -> list[tuple[Any, bool]]:
    found: list[tuple[Any, bool]] = []
    for sub in dependant.dependencies:
        key = getattr(sub.call, KEY_ATTRIBUTE, None)
        if key is not None:
            found.append(unwrap_optional(key))
        found.extend(_injected_keys(sub))
    return found
