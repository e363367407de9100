"""`container.validate()`: find every problem of the graph before any traffic."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ._errors import InjectQError, ValidationError
from ._keys import key_name
from ._lifetimes import SINGLETON, declared_lifetime
from ._providers import Kind, Provider

if TYPE_CHECKING:
    from ._container import InjectQ
    from ._graph import Graph


class ValidationWarning(UserWarning):
    """Something `validate()` found suspicious but not wrong."""


def validate(
    container: InjectQ, bindings: dict[Any, Provider], graph: Graph
) -> list[ValidationWarning]:
    errors: list[InjectQError] = []
    seen: set[str] = set()
    for key in list(bindings):
        try:
            graph.node(key)
        except InjectQError as error:
            text = str(error)
            if text not in seen:
                seen.add(text)
                errors.append(error)
    if errors:
        raise ValidationError(errors)
    found = [_instance_of_scoped_class(provider) for provider in bindings.values()]
    result = [warning for warning in found if warning is not None]
    for warning in result:
        warnings.warn(warning, stacklevel=3)
    return result


def _instance_of_scoped_class(provider: Provider) -> ValidationWarning | None:
    if provider.kind is not Kind.INSTANCE:
        return None
    target: object = provider.target
    declared = declared_lifetime(type(target))
    if declared is None or declared == SINGLETON:
        return None
    cls = type(target).__qualname__
    return ValidationWarning(
        f"{key_name(provider.key)} is bound to one instance of {cls}, but {cls} is marked "
        f"@{declared}: every unit of work will share that one object. Fix: bind the class "
        f"(container.bind({key_name(provider.key)}, {cls})) so each scope gets its own."
    )
