"""`InjectQDependency(T)` and `Inject[T]`: FastAPI dependencies resolved by InjectQ."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeAlias, TypeVar, overload

from fastapi import params

# evaluated at run time: FastAPI reads this annotation to pass the connection
from starlette.requests import HTTPConnection  # noqa: TC002

from injectq import InjectQ, InjectQError, ScopeError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

#: the attribute naming the key a resolver function provides (for entry-point validation)
KEY_ATTRIBUTE: Final = "__injectq_key__"
#: where setup_fastapi_integration keeps the container on `app.state`
STATE_ATTRIBUTE: Final = "injectq_container"


def resolver_for(key: Any) -> Callable[..., Any]:
    """A dependency function of its own for `key`.

    Each injected parameter gets a new function: FastAPI caches dependency values per
    function within a request, and two transient parameters must get two objects. It takes
    only the connection, so nothing of it appears in the OpenAPI schema.
    """

    async def resolve_injected(connection: HTTPConnection) -> Any:
        container: InjectQ | None = getattr(connection.app.state, STATE_ATTRIBUTE, None)
        if container is None:
            raise ScopeError(
                f"{key!r} is injected by InjectQ, but InjectQ is not set up on this app",
                fix="call setup_fastapi_integration(app, container) when building the app",
            )
        try:
            return await container.aget(key)
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


if TYPE_CHECKING:
    #: `svc: Inject[IUserService]` is `Annotated[IUserService, InjectQDependency()]`
    Inject: TypeAlias = Annotated[T, "injectq"]
else:

    class Inject:
        """`svc: Inject[IUserService]`: the annotated form of `InjectQDependency`."""

        def __class_getitem__(cls, key: Any) -> Any:
            return Annotated[key, InjectQDepends(dependency=resolver_for(key))]
