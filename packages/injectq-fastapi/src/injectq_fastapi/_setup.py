"""`setup_fastapi_integration`: a container for a FastAPI app."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI
from starlette.requests import Request
from starlette.websockets import WebSocket

from injectq import BindingError, EntryPoint, InjectQ

from ._dependency import KEY_ATTRIBUTE, STATE_ATTRIBUTE
from ._middleware import InjectQMiddleware
from ._routes import api_routes, inject_routes, injected_parameters, is_websocket

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from fastapi.dependencies.models import Dependant

logger = logging.getLogger("injectq.fastapi")


def setup_fastapi_integration(app: FastAPI, container: InjectQ) -> None:
    """One InjectQ scope per request (open until the response and its background tasks are
    done) and per WebSocket connection; `Request` / `WebSocket` injectable into factories;
    the container's singletons closed when the app's lifespan ends."""
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
    container.declare_context(Request, WebSocket)
    setattr(app.state, STATE_ATTRIBUTE, container)
    app.add_middleware(InjectQMiddleware, container=container)
    app.router.lifespan_context = _closing(app.router.lifespan_context, container)
    inject_routes(app.router.routes, container)


def _closing(lifespan: Any, container: InjectQ) -> Any:
    """The app's own lifespan, then the container's singletons closed."""

    @asynccontextmanager
    async def lifespan_then_close(app: Any) -> AsyncGenerator[Any, None]:
        # the routes declared after setup_fastapi_integration
        inject_routes(app.router.routes, container)
        try:
            async with lifespan(app) as state:
                yield state
        finally:
            await container.aclose(log_failures=logger)

    return lifespan_then_close


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
        own = injected_parameters(dependant.call)
        keys = (*(p.key for p in own), *_injected_keys(dependant))
        optional = frozenset(p.key for p in own if p.optional)
        entries.append(
            EntryPoint(name, keys, context=supplied, scopes=frozenset({scope}), optional=optional)
        )
    return entries


def _injected_keys(dependant: Dependant) -> list[Any]:
    found: list[Any] = []
    for sub in dependant.dependencies:
        key = getattr(sub.call, KEY_ATTRIBUTE, None)
        if key is not None:
            found.append(key)
        found.extend(_injected_keys(sub))
    return found
