"""Factories called with arguments (injectq 0.5.0's `invoke`, `call_factory`, `factories[...]`).

A factory bound with `bind_factory` is normally called by InjectQ, every parameter injected.
These faces hand it back, or call it with some arguments given by the caller and the rest
injected: `container.invoke(key, "acme")`. Plain-typed parameters (`str`, `int`, ...) are the
caller's to give, unless a value is bound under the parameter's name.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from ._errors import MissingBindingError
from ._graph import PLAIN_TYPES
from ._parameters import read_parameters

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._container import InjectQ
    from ._injector import Injector


def invoke_arguments(container: InjectQ, factory: Callable[..., Any], name: str) -> Injector:
    """The `Injector` of the parameters of `factory` that the container fills in."""
    parameters = [
        parameter
        for parameter in read_parameters(factory, name)
        if parameter.key not in PLAIN_TYPES or container.is_bound(parameter.name)
    ]
    return container.injector(parameters, name=name)


def check_given(
    factory: Callable[..., Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """A parameter neither given nor injected is a MissingBindingError naming it (not the
    factory's own `TypeError`); any other mismatch is left to the call."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return
    bound = list(signature.parameters.values())
    given = set(kwargs)
    for index, parameter in enumerate(bound):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        supplied = parameter.name in given or (
            index < len(args) and parameter.kind is not parameter.KEYWORD_ONLY
        )
        if not supplied and parameter.default is parameter.empty:
            raise MissingBindingError(
                f"{name}: parameter {parameter.name!r} was not given, and nothing provides it",
                path=(name,),
                fix=f"pass {parameter.name}=..., or bind a value under {parameter.name!r} "
                "(plain-typed parameters are injected only by name)",
            )


class Factories:
    """`container.factories[key] = factory` (`bind_factory`), `container.factories[key]` (the
    factory, uncalled), `del container.factories[key]`, `key in container.factories`."""

    __slots__ = ("_container",)

    def __init__(self, container: InjectQ) -> None:
        self._container = container

    def __setitem__(self, key: Any, factory: Callable[..., Any]) -> None:
        self._container.bind_factory(key, factory)

    def __getitem__(self, key: Any) -> Callable[..., Any]:
        return self._container.get_factory(key)

    def __delitem__(self, key: Any) -> None:
        self._container.get_factory(key)  # a KeyError-like error for a key with no factory
        self._container.unbind(key)

    def __contains__(self, key: object) -> bool:
        try:
            self._container.get_factory(key)
        except Exception:
            return False
        return True


async def awaited(value: Any) -> Any:
    """`value`, awaited when it is awaitable (an async factory's result)."""
    if inspect.isawaitable(value):
        return await value
    return value
