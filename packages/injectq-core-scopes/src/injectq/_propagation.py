"""Context that travels with the work a unit of work hands off (an HTTP request's task).

A key declared with `container.propagate(Key)` is exported from the sender's active scope as
plain JSON text (`export_context`) and imported into the receiver's scope
(`import_context`): a correlation id, a tenant, the acting user. Only declared keys travel,
only plain data (str, int, float, bool, None, lists, string-keyed dicts) is accepted, every
value has a size limit, and an imported value is rebuilt and type-checked before it is used:
a malformed or forged value is an error, never a service.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ._errors import InjectQError
from ._keys import key_name

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: the prefix of every propagated value's name in a message (e.g. a taskiq label)
PREFIX: Final = "injectq_ctx:"
DEFAULT_MAX_BYTES: Final = 4096
_PLAIN_SCALARS: Final = (str, int, float, bool, type(None))


class PropagationError(InjectQError):
    """A value could not be propagated: not declared, not plain data, too large, or forged."""


@dataclass(frozen=True, slots=True)
class Propagated:
    """One declared key: its name on the wire, how to turn it into plain data and back."""

    key: Any
    name: str
    max_bytes: int
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


def declare(key: object, name: str | None, max_bytes: int) -> Propagated:
    """Check that `key` can travel as plain data; describe how."""
    label = name if name is not None else key_name(key)
    if not label or any(c.isspace() for c in label):
        raise PropagationError(
            f"{label!r} is not a usable name for propagated {key_name(key)}",
            fix="pass name='tenant' (no spaces)",
        )
    if max_bytes <= 0:
        raise PropagationError(
            f"max_bytes must be positive, got {max_bytes}", fix="e.g. max_bytes=4096"
        )
    supertype: object = getattr(key, "__supertype__", None)  # typing.NewType
    scalar: object = supertype if supertype is not None else key
    if isinstance(key, type) and dataclasses.is_dataclass(key):
        return Propagated(key, label, max_bytes, _dump_dataclass, _dataclass_loader(key))
    if isinstance(key, type) and callable(getattr(key, "model_validate", None)):
        return Propagated(key, label, max_bytes, _dump_model, _model_loader(key))
    for plain in (str, int, float, bool):
        if scalar is plain:
            return Propagated(key, label, max_bytes, _dump_scalar, _scalar_loader(key, plain))
    name_of_key = label
    raise PropagationError(
        f"{name_of_key} cannot be propagated: only dataclasses, pydantic models and "
        "str/int/float/bool NewTypes travel, as plain data",
        path=(name_of_key,),
        fix="put the values that should travel in a dataclass of plain fields "
        "(e.g. RequestContext(correlation_id: str, tenant: str))",
    )


def encode(entry: Propagated, value: Any) -> str:
    """The value as JSON text, after checking it is plain data within the size limit."""
    data = entry.dump(value)
    problem = _not_plain(data, entry.name)
    if problem:
        raise PropagationError(
            f"propagated {entry.name} is not plain data: {problem}",
            path=(key_name(entry.key),),
            fix="keep only str, int, float, bool, None, lists and string-keyed dicts in it",
        )
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    size = len(text.encode())
    if size > entry.max_bytes:
        raise PropagationError(
            f"propagated {entry.name} is {size} bytes; the limit is {entry.max_bytes}",
            path=(key_name(entry.key),),
            fix="propagate identifiers, not payloads (or raise max_bytes in propagate())",
        )
    return text


def decode(entry: Propagated, text: object) -> Any:
    """Rebuild a value from its JSON text, rejecting anything malformed."""
    if not isinstance(text, str):
        raise PropagationError(
            f"propagated {entry.name} arrived as {type(text).__name__}, not text",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        )
    if len(text.encode()) > entry.max_bytes:
        raise PropagationError(
            f"propagated {entry.name} is larger than its limit of {entry.max_bytes} bytes",
            path=(key_name(entry.key),),
            fix="the sender must keep propagated values small",
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PropagationError(
            f"propagated {entry.name} is not valid JSON: {error}",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        ) from None
    problem = _not_plain(data, entry.name)
    if problem:
        raise PropagationError(
            f"propagated {entry.name} is not plain data: {problem}",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        )
    try:
        return entry.load(data)
    except Exception as error:
        problem = error.problem if isinstance(error, PropagationError) else str(error)
        raise PropagationError(
            f"propagated {entry.name} does not fit {key_name(entry.key)}: {problem}",
            path=(key_name(entry.key),),
            fix="sender and receiver must run the same definition of it",
        ) from None


def _not_plain(data: object, where: str) -> str:
    if isinstance(data, _PLAIN_SCALARS):
        if isinstance(data, float) and data != data:  # NaN
            return f"{where} is NaN"
        return ""
    if isinstance(data, list):
        for index, item in enumerate(typing.cast("list[object]", data)):
            problem = _not_plain(item, f"{where}[{index}]")
            if problem:
                return problem
        return ""
    if isinstance(data, dict):
        for item_key, item in typing.cast("dict[object, object]", data).items():
            if not isinstance(item_key, str):
                return f"{where} has the non-string key {item_key!r}"
            problem = _not_plain(item, f"{where}.{item_key}")
            if problem:
                return problem
        return ""
    return f"{where} is a {type(data).__name__}"


def _dump_dataclass(value: Any) -> Any:
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


def _dump_model(value: Any) -> Any:
    return value.model_dump(mode="json")


def _dump_scalar(value: Any) -> Any:
    return value


def _dataclass_loader(cls: type) -> Callable[[Any], Any]:
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


def _model_loader(cls: type) -> Callable[[Any], Any]:
    def load(data: Any) -> Any:
        return getattr(cls, "model_validate")(data)  # noqa: B009 - duck-typed pydantic

    return load


def _scalar_loader(key: Any, scalar: type) -> Callable[[Any], Any]:
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


def label_of(entry: Propagated) -> str:
    return f"{PREFIX}{entry.name}"


def export(entries: Mapping[Any, Propagated], resolve: Callable[[Any], Any]) -> dict[str, str]:
    return {label_of(entry): encode(entry, resolve(key)) for key, entry in entries.items()}


def import_(entries: Mapping[Any, Propagated], carried: Mapping[str, object]) -> dict[Any, Any]:
    by_label = {label_of(entry): entry for entry in entries.values()}
    values: dict[Any, Any] = {}
    for label, text in carried.items():
        entry = by_label.get(label)
        if entry is not None:
            values[entry.key] = decode(entry, text)
    return values
