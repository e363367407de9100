"""Plain data: what may travel with handed-off work, and how it is turned back into values."""

from __future__ import annotations

import dataclasses
import typing
from math import isfinite
from typing import TYPE_CHECKING, Any, Final

from ._errors import PropagationError
from ._keys import key_name

if TYPE_CHECKING:
    from collections.abc import Callable

_PLAIN_SCALARS: Final = (str, int, float, bool, type(None))

#: how deeply lists and dicts may nest in propagated data (JSON decoders recurse per level:
#: a message nested a thousand levels deep must be refused, not crash the decoder)
MAX_NESTING: Final = 32


def not_plain(data: object, where: str, levels: int = MAX_NESTING) -> str:
    """What makes `data` not plain data (`where` names it), or "" if it is plain.

    `levels` is how many more lists and dicts may nest in `data`: nesting deeper than
    `MAX_NESTING` (which a list or dict that contains itself always does) is not plain.
    """
    if isinstance(data, _PLAIN_SCALARS):
        if isinstance(data, float) and not isfinite(data):
            return f"{where} is {data!r}, which JSON cannot carry"
        return ""
    if isinstance(data, list):
        if not levels:
            return _too_deep(where)
        for index, item in enumerate(typing.cast("list[object]", data)):
            problem = not_plain(item, f"{where}[{index}]", levels - 1)
            if problem:
                return problem
        return ""
    if isinstance(data, dict):
        if not levels:
            return _too_deep(where)
        for item_key, item in typing.cast("dict[object, object]", data).items():
            if not isinstance(item_key, str):
                return f"{where} has the non-string key {item_key!r}"
            problem = not_plain(item, f"{where}.{item_key}", levels - 1)
            if problem:
                return problem
        return ""
    return f"{where} is a {type(data).__name__}"


def _too_deep(where: str) -> str:
    return f"{where} nests lists and dicts more than {MAX_NESTING} levels deep"


def dump_dataclass(value: Any) -> Any:
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


def dump_model(value: Any) -> Any:
    return value.model_dump(mode="json")


def dump_scalar(value: Any) -> Any:
    return value


def dataclass_loader(cls: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls)
    fields = {field.name: hints.get(field.name, Any) for field in dataclasses.fields(cls)}
    for name, annotation in fields.items():
        if not _plain_annotation(annotation):
            raise PropagationError(
                f"field {name!r} of {cls.__qualname__} is {annotation!r}, which is not plain "
                "data, so it cannot be propagated",
                path=(cls.__qualname__,),
                fix="use str, int, float, bool, None, list[...] or dict[str, ...] fields",
            )

    def load(data: Any) -> Any:
        if not isinstance(data, dict):
            raise PropagationError(f"expected an object for {cls.__qualname__}")
        values = typing.cast("dict[str, object]", data)
        unknown = set(values) - set(fields)
        if unknown:
            raise PropagationError(
                f"{cls.__qualname__} has no field(s) {', '.join(sorted(unknown))}"
            )
        for name, annotation in fields.items():
            if name in values and not _fits(values[name], annotation):
                raise PropagationError(
                    f"field {name!r} of {cls.__qualname__} should be {annotation!r}, "
                    f"got {values[name]!r}"
                )
        return cls(**values)

    return load


def model_loader(cls: type) -> Callable[[Any], Any]:
    def load(data: Any) -> Any:
        return getattr(cls, "model_validate")(data)  # noqa: B009 - duck-typed pydantic

    return load


def scalar_loader(key: Any, scalar: type) -> Callable[[Any], Any]:
    def load(data: Any) -> Any:
        if not _fits(data, scalar):
            raise PropagationError(f"expected {scalar.__name__} for {key_name(key)}, got {data!r}")
        return data

    return load


def _plain_annotation(annotation: object) -> bool:
    if annotation is Any or annotation is None:
        return True
    if isinstance(annotation, type) and issubclass(annotation, _PLAIN_SCALARS):
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, typing.Union) or str(origin) == "<class 'types.UnionType'>":
        return all(_plain_annotation(arg) for arg in args)
    if origin is dict:
        return len(args) == 2 and args[0] is str and _plain_annotation(args[1])
    return False


def _fits(value: object, annotation: object) -> bool:
    if annotation is Any:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type) and annotation in _PLAIN_SCALARS:
        return isinstance(value, annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list:
        items = typing.cast("list[object]", value) if isinstance(value, list) else None
        return items is not None and all(_fits(item, args[0]) for item in items)
    if origin is dict:
        mapping = typing.cast("dict[object, object]", value) if isinstance(value, dict) else None
        return mapping is not None and all(_fits(item, args[1]) for item in mapping.values())
    return any(_fits(value, arg) for arg in args)
