"""Modules: reusable groups of bindings that every process of an application installs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, overload

from ._binding import bound_value_provider, factory_provider, instance_provider
from ._errors import BindingError
from ._lifetimes import check_lifetime, declared_lifetime
from ._parameters import MISSING
from ._providers import provided_type

if TYPE_CHECKING:
    from ._container import InjectQ
    from ._providers import Provider

F = TypeVar("F", bound=Callable[..., Any])

_PROVIDER: Final = "__injectq_provider__"
_NO_SCOPE: Final = ""


class Binder:
    """What `Module.configure` receives: the binding half of the container.

    Its bindings are recorded as the module's, so that two modules binding one key is an
    error (see `Module.overrides`).
    """

    __slots__ = ("_container", "_register")

    def __init__(self, container: InjectQ, register: Callable[[Provider], None]) -> None:
        """Made by `InjectQ.install`: `register` records a binding as the module's."""
        self._container = container
        self._register = register

    def bind(
        self, key: Any, value: Any = MISSING, *, scope: str | None = None, allow_none: bool = False
    ) -> None:
        """Same as `InjectQ.bind`."""
        self._register(bound_value_provider(key, value, scope, allow_none=allow_none))

    def __setitem__(self, key: Any, value: Any) -> None:
        self.bind(key, value, allow_none=True)

    def bind_instance(self, key: Any, instance: Any, *, allow_none: bool = False) -> None:
        """Same as `InjectQ.bind_instance`."""
        self._register(instance_provider(key, instance, allow_none=allow_none))

    def bind_factory(
        self, key: Any, factory: Callable[..., Any], *, scope: str | None = None
    ) -> None:
        """Same as `InjectQ.bind_factory`."""
        self._register(factory_provider(key, factory, scope))

    def install(self, module: Module) -> None:
        """Install another module from inside this one."""
        self._container.install(module)


class Module:
    """A group of bindings. Override `configure`, and/or add `@provider` methods.

    The same Module classes serve the API, the workers and the MCP server: each process
    installs them into its own container. A key bound by two different Modules is an error at
    `install`, unless the Module installed later sets `overrides = True` (a test module that
    replaces the real bindings, say).
    """

    #: this module may replace bindings that modules installed before it made
    overrides: ClassVar[bool] = False

    def configure(self, binder: Binder) -> None:
        """Bind what this module provides. The default binds nothing."""

    def provider_methods(self) -> list[tuple[Any, Callable[..., Any], str | None]]:
        """This module's `@provider` methods as (key, bound method, lifetime or None)."""
        found: list[tuple[Any, Callable[..., Any], str | None]] = []
        for name in dir(type(self)):
            function = getattr(type(self), name, None)
            marked = getattr(function, _PROVIDER, None)
            if marked is None or function is None:
                continue
            method = getattr(self, name)
            key = provided_type(method)
            if key is MISSING:
                raise BindingError(
                    f"@provider method {type(self).__qualname__}.{name} has no return "
                    "annotation, so InjectQ cannot tell which key it provides",
                    fix=f"annotate it: def {name}(self, ...) -> SomeService",
                )
            found.append((key, method, marked or declared_lifetime(function)))
        return found


@overload
def provider(function: F, /) -> F: ...
@overload
def provider(*, scope: str | None = None) -> Callable[[F], F]: ...
def provider(function: Any = None, /, *, scope: str | None = None) -> Any:
    """Mark a Module method as a factory for the key named by its return annotation.

    `@provider` (transient unless marked `@singleton`/`@scoped`) or `@provider(scope=...)`.
    """
    lifetime = check_lifetime(scope) if scope is not None else _NO_SCOPE

    def mark(inner: F) -> F:
        if not callable(inner):
            raise BindingError(
                f"@provider marks a method, got {inner!r}", fix="put it on a Module method"
            )
        setattr(inner, _PROVIDER, lifetime)
        return inner

    if function is not None:
        return mark(function)
    return mark
