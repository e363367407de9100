"""`injectq.decorators.singleton`: injectq 0.5.0's path of the lifetime decorators, and its
`@register_as`, as faces of this project's own marks and `bind` / `bind_factory`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import BindingError
from .._keys import key_name
from .._lifetimes import SINGLETON, check_lifetime, scoped, singleton, transient

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._container import InjectQ

__all__ = ["register_as", "scoped", "singleton", "transient"]

T = TypeVar("T")


def register_as(
    service_type: Any, scope: str = SINGLETON, container: InjectQ | None = None
) -> Callable[[T], T]:
    """Bind `service_type` to the decorated class (or factory function) with `scope`:

    `@register_as(Repository)` on `class SqlRepository(Repository)` is
    `container.bind(Repository, SqlRepository, scope="singleton")`, in `container` or else
    the default one (`InjectQ.get_instance()`, the `container.context()` one when active).
    """
    lifetime = check_lifetime(scope)

    def register(target: T) -> T:
        candidate: object = target
        if not callable(candidate):
            raise BindingError(
                f"@register_as({key_name(service_type)}) can only be applied to classes and "
                f"factory functions, got {target!r}",
                fix="put the decorator on a class or a function",
            )
        if container is None:
            from .._container import InjectQ

            into = InjectQ.get_instance()
        else:
            into = container
        if isinstance(candidate, type):
            into.bind(service_type, candidate, scope=lifetime)
        else:
            into.bind_factory(service_type, candidate, scope=lifetime)
        return target

    return register
