"""The rules of binding: what a value bound to a key means, and who bound each key.

`bind` and `override` share one reading of a value: a class is built by autowiring with its
lifetime (the `scope` given, else its mark, else singleton); anything else is that one object.
A key bound by one Module and then by another is an error naming both, unless the later
Module says it overrides (`overrides = True`); binding on the container itself may always
replace a binding.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ._errors import BindingError
from ._keys import check_key, is_checkable_class, is_protocol, key_name
from ._lifetimes import SINGLETON, TRANSIENT, check_lifetime, declared_lifetime
from ._parameters import MISSING
from ._providers import Kind, Provider, factory_kind

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._module import Module


def value_provider(
    key: Any, value: Any, scope: str | None, *, origin: str, check_type: bool = True
) -> Provider:
    """How `value` bound to `key` is provided: a class is built, anything else is that object.

    `check_type=False` (overrides) accepts a class or an instance that does not inherit from
    `key`: a test double need not.
    """
    check_key(key, action=origin)
    name = key_name(key)
    if value is None:
        raise BindingError(
            f"cannot {origin} {name} with None"
            if origin == "override"
            else f"cannot bind {name} to None: Implementation cannot be None",
            path=(name,),
            fix="bind an instance, a class or use bind_factory; for a key that resolves to "
            "None pass allow_none=True; for an optional dependency annotate the parameter "
            "`T | None` and leave T unbound",
        )
    if isinstance(value, type):
        return _class_provider(key, value, scope, origin=origin, check_type=check_type)
    if scope is not None:
        raise BindingError(
            f"scope={scope!r} was given with an instance of {type(value).__qualname__} "
            f"for {name}: an instance is always that one object",
            path=(name,),
            fix="bind the class to let InjectQ build it with that lifetime, or drop scope=",
        )
    if check_type and is_checkable_class(key) and not isinstance(value, key):
        raise BindingError(
            f"{value!r} is not an instance of {name}",
            path=(name,),
            fix="use bind_factory to bind a factory function"
            if callable(value)
            else f"bind an instance of {name} (or use container.override for a test double)",
        )
    return Provider(key, Kind.INSTANCE, value, SINGLETON, origin)


def bound_value_provider(
    key: Any, value: Any, scope: str | None, *, allow_none: bool = False
) -> Provider:
    """What `bind(key, value)` binds: `bind(cls)` alone binds a class to itself, and None
    only with `allow_none` (then `key` resolves to None)."""
    if value is MISSING:
        value = key
    elif value is None and allow_none:
        return instance_provider(key, None, allow_none=True)
    return value_provider(key, value, scope, origin="bind")


def instance_provider(key: Any, instance: Any, *, allow_none: bool = False) -> Provider:
    """What `bind_instance(key, instance)` binds: that object itself, even a class object."""
    if instance is None and not allow_none:
        raise BindingError(
            f"bind_instance({key_name(key)}, None): None is not an instance",
            path=(key_name(key),),
            fix="pass allow_none=True to make the key resolve to None",
        )
    check_key(key, action="bind")
    return Provider(key, Kind.INSTANCE, instance, SINGLETON, "bind_instance")


def _class_provider(
    key: Any, cls: type, scope: str | None, *, origin: str, check_type: bool
) -> Provider:
    name = key_name(key)
    if check_type and is_checkable_class(key) and key is not cls and not issubclass(cls, key):
        raise BindingError(
            f"{cls.__qualname__} is not a subclass of {name}",
            path=(name,),
            fix=f"bind a class that implements {name}",
        )
    if is_protocol(cls) or inspect.isabstract(cls):
        raise BindingError(
            f"Cannot bind abstract class {cls.__qualname__}: it cannot be built",
            path=(name,),
            fix="bind a concrete implementation of it",
        )
    lifetime = check_lifetime(scope) if scope is not None else None
    lifetime = lifetime or declared_lifetime(cls) or SINGLETON
    return Provider(key, Kind.CALL, cls, lifetime, origin)


def factory_provider(key: Any, factory: Callable[..., Any], scope: str | None) -> Provider:
    """How `key` is provided by `factory` (transient unless `scope` or a mark says else)."""
    check_key(key)
    if not callable(factory):
        raise BindingError(
            f"the factory for {key_name(key)} must be callable, got {factory!r}",
            path=(key_name(key),),
            fix="pass a function (or use bind() for an instance)",
        )
    lifetime = check_lifetime(scope) if scope is not None else None
    lifetime = lifetime or declared_lifetime(factory) or TRANSIENT
    return Provider(key, factory_kind(factory), factory, lifetime, "bind_factory")


class Sources:
    """Which Module bound each key (None: bound on the container itself)."""

    def __init__(self) -> None:
        self._modules: dict[Any, type[Module] | None] = {}

    def forget(self, key: Any) -> None:
        """`key` is bound by no one any more."""
        self._modules.pop(key, None)

    def record(self, key: Any, module: Module | None) -> None:
        """Record who binds `key` now; refuse a second Module that does not say it overrides."""
        earlier = self._modules.get(key)
        if (
            module is not None
            and earlier is not None
            and earlier is not type(module)
            and not type(module).overrides
        ):
            later = type(module).__qualname__
            raise BindingError(
                f"{key_name(key)} is bound by two modules, {earlier.__qualname__} and "
                f"{later}; the later one would silently win",
                path=(key_name(key),),
                fix=f"bind {key_name(key)} in one of them, or let {later} replace the "
                f"earlier bindings on purpose: `class {later}(Module): overrides = True`",
            )
        self._modules[key] = None if module is None else type(module)

    def snapshot(self) -> dict[Any, type[Module] | None]:
        return dict(self._modules)

    def restore(self, snapshot: dict[Any, type[Module] | None]) -> None:
        self._modules = snapshot


def can_autowire(key: object) -> bool:
    """True for a concrete class InjectQ may build from its `__init__` type hints."""
    return (
        isinstance(key, type)
        and not _is_container_class(key)
        and is_checkable_class(key)
        and key.__module__ != "builtins"
        and not inspect.isabstract(key)
    )


def _is_container_class(key: type) -> bool:
    # autowiring it would make a new, empty container: never what was meant
    from ._container import InjectQ

    return issubclass(key, InjectQ)


def missing_fix(key: object) -> str:
    """The fix a MissingBindingError for `key` suggests."""
    name = key_name(key)
    if is_protocol(key):
        return f"bind an implementation: container.bind({name}, Impl)"
    if isinstance(key, type) and inspect.isabstract(key):
        return f"{name} is abstract: bind a concrete subclass with container.bind({name}, Impl)"
    if isinstance(key, type) and key.__module__ == "builtins":
        return f"bind a value: container[{name}] = ..."
    if isinstance(key, type) and _is_container_class(key):
        return (
            "inject the services you need instead of the container; to hand one over on "
            f"purpose, bind it: container.bind({name}, container)"
        )
    return f"bind it: container.bind({name}, ...) or container.bind_factory({name}, factory)"


def check_scope_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise BindingError(
            f"a scope name must be a non-empty string, got {name!r}",
            fix="container.scope('session')",
        )


def plain_instance(key: Any, value: Any) -> bool:
    """True when `value` may stand for `key` (the common cases, without raising)."""
    return not is_checkable_class(key) or isinstance(value, key)


def check_context_value(key: Any, value: Any) -> None:
    if value is None:
        raise BindingError(
            f"the scope context value for {key_name(key)} is None",
            path=(key_name(key),),
            fix="pass a real value, or leave the key out",
        )
    if type(value) is not key and is_checkable_class(key) and not isinstance(value, key):
        raise BindingError(
            f"the scope context value for {key_name(key)} is {value!r}, "
            f"not an instance of {key_name(key)}",
            path=(key_name(key),),
            fix=f"pass an instance of {key_name(key)} under that key",
        )
