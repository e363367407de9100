"""The fast path: an async endpoint's own injected parameters resolved without FastAPI's solver.

Every `InjectQDependency` is a FastAPI dependency, which is correct everywhere (endpoints,
routers, the user's own `Depends` functions, WebSocket handlers) but costs FastAPI's
dependency solving per parameter per request, several times InjectQ's own work. When the app
starts (and when the integration is set up), the injected parameters of each async HTTP
endpoint are taken out of its dependency list and its call is wrapped to resolve them from the
request's scope directly. Nothing else changes: the parameters had no OpenAPI presence, and
a route this misses (added later, sync, a generator) keeps the dependency path, so it is only
slower, never wrong.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Final

from fastapi.routing import APIRoute, APIWebSocketRoute

from injectq import InjectedParameter, Injector, InjectQ, marked_parameters

from ._dependency import KEY_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from fastapi.dependencies.models import Dependant

#: on a wrapped endpoint: the `Injector` of the parameters it resolves itself
INJECTED_ATTRIBUTE: Final = "__injectq_injected__"


def inject_routes(routes: Iterable[Any], container: InjectQ) -> int:
    """Move the injected parameters of each async endpoint into a wrapper; return how many."""
    count = 0
    for route in api_routes(routes):
        if is_websocket(route):
            continue
        dependant: Dependant | None = getattr(route, "dependant", None)
        if dependant is None or dependant.call is None:
            continue
        call = dependant.call
        if hasattr(call, INJECTED_ATTRIBUTE) or not inspect.iscoroutinefunction(call):
            continue
        injected = [sub for sub in dependant.dependencies if _is_own_parameter(sub)]
        if not injected:
            continue
        methods = ",".join(sorted(getattr(route, "methods", None) or ()))
        where = f"{methods} {getattr(route, 'path', '')}"
        names = {sub.name for sub in injected}
        # the core's parser reads the markers (and `T | None`) the same way everywhere
        parameters = [p for p in marked_parameters(call, where) if p.name in names]
        if len(parameters) != len(names):
            continue  # a marker the parser does not see the way FastAPI does: keep its path
        injector = container.injector(parameters, name=where)
        dependant.call = _resolving(call, injector)
        dependant.dependencies = [sub for sub in dependant.dependencies if sub not in injected]
        count += 1
    return count


def injected_parameters(call: Callable[..., Any] | None) -> tuple[InjectedParameter, ...]:
    """The parameters a wrapped endpoint resolves itself (none for any other callable)."""
    injector: Injector | None = getattr(call, INJECTED_ATTRIBUTE, None)
    return () if injector is None else injector.parameters


def _is_own_parameter(sub: Dependant) -> bool:
    # a named parameter of the endpoint itself whose dependency is only InjectQ's resolver
    return sub.name is not None and hasattr(sub.call, KEY_ATTRIBUTE)


def api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """HTTP and WebSocket routes, with those of included routers.

    FastAPI (0.137 and later) keeps an included router as one entry whose candidates are
    built per inclusion, each with its own dependant, full path and methods.
    """
    for route in routes:
        if isinstance(route, (APIRoute, APIWebSocketRoute)):
            yield route
        elif callable(getattr(route, "effective_candidates", None)):
            yield from api_routes(route.effective_candidates())
        elif isinstance(getattr(route, "starlette_route", None), APIWebSocketRoute):
            yield route.starlette_route
        elif isinstance(getattr(route, "original_route", None), APIRoute):
            yield route


def is_websocket(route: Any) -> bool:
    return isinstance(getattr(route, "original_route", route), APIWebSocketRoute)


def _resolving(call: Callable[..., Any], injector: Injector) -> Callable[..., Any]:
    @functools.wraps(call)
    async def endpoint(**values: Any) -> Any:
        pending = injector.inject(values)
        if pending is not None:
            await pending
        return await call(**values)

    setattr(endpoint, INJECTED_ATTRIBUTE, injector)
    return endpoint
