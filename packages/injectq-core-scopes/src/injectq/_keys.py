"""What may be a key, and how keys are named in messages."""

from __future__ import annotations

import types
import typing
from typing import Protocol

from ._errors import BindingError

_SPECIAL_FORM_TYPES = (type(typing.Union[int, str]), type(list[int]), type(typing.List[int]))  # noqa: UP006, UP007


def check_key(key: object, *, action: str = "bind") -> None:
    """Raise BindingError unless `key` is a type, a typing form or a string."""
    if key is None:
        raise BindingError(
            f"cannot {action} the key None",
            fix="use a class, Protocol, ABC or a string as the key",
        )
    if isinstance(key, str):
        if not key:
            raise BindingError(f"cannot {action} an empty string key", fix="name the key")
        return
    try:
        hash(key)
    except TypeError:
        raise BindingError(
            f"cannot {action} {key!r} ({type(key).__name__}): a key must be hashable",
            fix="use the class (or Protocol / ABC) the value is known by, or a string",
        ) from None
    problem = _not_a_key(key)
    if problem:
        raise BindingError(f"cannot {action} {key_name(key)}: {problem[0]}", fix=problem[1])
    if isinstance(key, (type, _SPECIAL_FORM_TYPES)):
        return
    if callable(key) and hasattr(key, "__supertype__"):  # typing.NewType
        return
    raise BindingError(
        f"cannot {action} {key!r} ({type(key).__name__}): a key must be a type or a string",
        fix="use the class (or Protocol / ABC) the value is known by, e.g. bind(IUserService, ...)",
    )


def _not_a_key(key: object) -> tuple[str, str] | None:
    """(problem, fix) for typing forms that look like keys but cannot be one."""
    if key is typing.Any:
        return (
            "typing.Any says nothing about what to provide, so it cannot be a key",
            "use the class the value is known by, or a string key",
        )
    origin = typing.get_origin(key)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(key) if arg is not type(None)]
        if len(args) == 1:
            name = key_name(args[0])
            return (
                "an optional type is not a key",
                f"bind {name} itself; a parameter annotated `{name} | None` gets None when "
                f"nothing provides {name}",
            )
        return (
            "a union is not a key: it does not say which of its types to provide",
            "bind each type on its own (or a Protocol that they all implement)",
        )
    metadata: tuple[object, ...] = typing.get_args(key)[1:] if origin is typing.Annotated else ()
    if any(hasattr(type(meta), "__injectq_key__") for meta in metadata):
        return (
            "Inject[T] marks a parameter for injection; it is not a key",
            "use the type itself: container.get(T)",
        )
    return None


def key_name(key: object) -> str:
    """A short readable name for a key, as messages show it."""
    if isinstance(key, str):
        return repr(key)
    if typing.get_origin(key) is None:
        name: object = getattr(key, "__qualname__", None) or getattr(key, "__name__", None)
        if isinstance(name, str):
            return name
    return repr(key).replace("typing.", "")


def is_protocol(key: object) -> bool:
    # read the class's own dict: a metaclass __getattr__ (pydantic's) makes getattr slow,
    # and typing sets _is_protocol on every class that derives from Protocol
    return isinstance(key, type) and bool(vars(key).get("_is_protocol")) and key is not Protocol


def is_checkable_class(key: object) -> bool:
    """True for a plain class whose isinstance/issubclass checks are meaningful."""
    if not isinstance(key, type):
        return False
    known = _CHECKABLE.get(key)
    if known is None:
        known = _CHECKABLE[key] = not is_protocol(key) and not isinstance(key, _SPECIAL_FORM_TYPES)
    return known


# classes are few and live as long as the program: remembering the answer is safe and cheap
_CHECKABLE: dict[type, bool] = {}
