"""`InjectQDependency(T)` and FastAPI's marker inside `injectq.Inject[T]`: FastAPI
dependencies resolved by InjectQ.

`injectq.Inject[T]` is `Annotated[T, <core marker>, *<markers of the imported frameworks>]`;
this module's `framework_marker` makes FastAPI's, a `Depends` whose callable resolves the key,
so that FastAPI sees an injected parameter as a dependency (not as query or body input) and
leaves it out of OpenAPI. It is registered when the adapter is imported and named in the
`injectq.markers` entry point, so `Inject[T]` written in a module that imported FastAPI but
not the adapter carries it too.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from fastapi import params

# evaluated at run time: FastAPI reads this annotation to pass the connection
from starlette.requests import HTTPConnection  # noqa: TC002

from injectq import (
    InjectQ,
    InjectQError,
    ScopeError,
    add_framework_marker,
    unwrap_optional,
)

if TYPE_CHECKING:
    from collections.abc import Callable


T = TypeVar("T")

#: the attribute naming the key a resolver function provides (for entry-point validation)
KEY_ATTRIBUTE: Final = "__injectq_key__"
#: where setup_fastapi_integration keeps the container on `app.state`
STATE_ATTRIBUTE: Final = "injectq_container"


def resolver_for(key: Any) -> Callable[..., Any]:
    """A dependency function of its own for `key` (`T | None`: None when nothing provides T).

    Each injected parameter gets a new function: FastAPI caches dependency values per
    function within a request, and two transient parameters must get two objects. It takes
    only the connection, so nothing of it appears in the OpenAPI schema.
    """
    base, optional = unwrap_optional(key)

    async def resolve_injected(connection: HTTPConnection) -> Any:
        container: InjectQ | None = getattr(connection.app.state, STATE_ATTRIBUTE, None)
        if container is None:
            raise ScopeError(
                f"{key!r} is injected by InjectQ, but InjectQ is not set up on this app",
                fix="call setup_fastapi_integration(app, container) when building the app",
            )
        try:
            if optional:
                return await container.aget_optional(base)
            return await container.aget(base)
        except InjectQError as error:
            route = connection.scope.get("route")
            where = getattr(route, "path", None) or connection.url.path
            raise error.within(f"{connection.scope.get('method', 'WEBSOCKET')} {where}") from None

    setattr(resolve_injected, KEY_ATTRIBUTE, key)
    return resolve_injected


@dataclasses.dataclass(frozen=True)
class InjectQDepends(params.Depends):
    """A `Depends` whose callable InjectQ makes, from a key or from the parameter's type."""

    def __post_init__(self) -> None:
        dependency = self.dependency
        if dependency is not None and not hasattr(dependency, KEY_ATTRIBUTE):
            # FastAPI filled in the annotated type (`Annotated[T, InjectQDependency()]`)
            object.__setattr__(self, "dependency", resolver_for(dependency))
        super().__post_init__()

    @property
    def __injectq_key__(self) -> Any:
        """The key, for the other adapters (a task parameter marked with this works too)."""
        return getattr(self.dependency, KEY_ATTRIBUTE, None)


def framework_marker(key: Any) -> InjectQDepends:
    """FastAPI's marker inside `injectq.Inject[key]` (see `injectq.add_framework_marker`): a
    `Depends` of its own, so FastAPI resolves the parameter and keeps it out of OpenAPI."""
    return InjectQDepends(dependency=resolver_for(key))


# `injectq.Inject[T]` carries FastAPI's marker from now on (imported first, FastAPI finds the
# adapter through the `injectq.markers` entry point, which names the same function)
add_framework_marker("fastapi", framework_marker)


@overload
def InjectQDependency(key: Callable[..., T], /) -> T: ...
@overload
def InjectQDependency(key: str, /) -> Any: ...
@overload
def InjectQDependency() -> Any: ...
def InjectQDependency(key: Any = None, /) -> Any:  # noqa: N802
    """Mark an endpoint (or dependency) parameter for injection.

    `svc: IUserService = InjectQDependency(IUserService)`, or without a key in
    `Annotated[IUserService, InjectQDependency()]`. The service is resolved in the request's
    (or WebSocket's) scope.
    """
    return InjectQDepends(dependency=None if key is None else resolver_for(key))
