"""The marker protocol and the one parser of injected parameters.

A *marker* says "InjectQ fills this parameter in". It is any object whose class has an
`__injectq_key__` attribute: the key to resolve, or None for "the parameter's annotation is the
key". `injectq.Inject[T]` (`Annotated[T, <marker>]`) is the core's own; each adapter's markers
(taskiq's `InjectQDependency`, FastAPI's `Depends` subclass, FastMCP's provider) implement the
same attribute, so one parser serves the constructors InjectQ autowires, `@inject` functions
and every adapter's endpoints, tasks and tools.
"""

from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Final, TypeAlias, TypeVar, cast

from ._errors import BindingError, InjectQError, MissingBindingError
from ._frameworks import framework_markers
from ._keys import key_name

if typing.TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

#: the attribute of a marker's class that makes it a marker
MARKER_ATTRIBUTE: Final = "__injectq_key__"


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


#: "no value": a parameter without a default, a key not cached yet
MISSING: Final[Any] = _Missing()


class InjectMarker:
    """The metadata of `Inject[T]`: inject this parameter, taking the key from its annotation."""

    __slots__ = ()
    __injectq_key__: Final = None

    def __repr__(self) -> str:
        return "Inject"


INJECT_MARKER: Final = InjectMarker()

if typing.TYPE_CHECKING:
    Inject: TypeAlias = Annotated[T, INJECT_MARKER]
else:

    class Inject:
        """`svc: Inject[IUserService]` marks a parameter for injection, in every adapter and
        in `@inject` (even a parameter with a default). `Inject[T | None]` is None when nothing
        provides T.

        `Inject[T]` is `Annotated[T, <marker>, ...]`: after the core's marker come those of the
        frameworks that are imported (FastAPI's `Depends`, FastMCP's dependency), so that each
        framework sees an injected parameter as its own kind of dependency, not as input.
        """

        __slots__ = ()

        def __class_getitem__(cls, key: Any) -> Any:
            annotated = Annotated[(key, INJECT_MARKER, *framework_markers(key))]
            return _InjectAlias(annotated.__origin__, annotated.__metadata__)

        def __new__(cls, key: Any) -> Any:  # type: ignore[misc]
            # `x: T = Inject(T)`, as injectq 0.5.0 wrote it: a marker naming its key
            return KeyMarker(key)


class MarkerUsedAsValueError(InjectQError, AttributeError):
    """A marker (`Inject[T]`, `Inject(T)`) was used as the value it stands for: the function
    whose parameter defaults to it was called without injection. An AttributeError too, so
    that `hasattr` and `getattr(..., default)` on a marker stay false and quiet."""


def _used_as_value(marker: str, key: Any, attribute: str) -> MarkerUsedAsValueError:
    name = key_name(key)
    return MarkerUsedAsValueError(
        f"{marker} is a marker, not the {name} it stands for (its .{attribute} was read): a "
        "function whose parameter defaults to it was called without injection",
        path=(name,),
        fix="decorate the function with @inject (injectq 0.5.0's Inject was a lazy proxy that "
        "resolved itself, once, from the default container; InjectQ injects at the call, in "
        "the caller's scope)",
    )


#: typing's (private) class of `Annotated[...]` aliases, taken from one
_AnnotatedAlias = cast("type[Any]", type(Annotated[int, INJECT_MARKER]))
_alias_getattr: Callable[[Any, str], Any] = _AnnotatedAlias.__getattr__


class _InjectAlias(_AnnotatedAlias, _root=True):  # type: ignore[misc,valid-type,call-arg]
    """`Inject[T]`: `Annotated[T, <markers>]` in every way, except that reading an attribute
    of T through it (the alias used as a T, see `MarkerUsedAsValueError`) explains itself
    instead of handing out T's unbound methods. (`_root=True` is how typing lets its own
    module subclass its special forms.)"""

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            return _alias_getattr(self, attribute)
        raise _used_as_value(f"Inject[{key_name(self.__origin__)}]", self.__origin__, attribute)


class KeyMarker:
    """The marker `Inject(key)` makes (a parameter default): inject `key` here."""

    __slots__ = ("__injectq_key__",)

    def __init__(self, key: Any) -> None:
        self.__injectq_key__ = key

    def __repr__(self) -> str:
        return f"Inject({self.__injectq_key__!r})"

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        raise _used_as_value(repr(self), self.__injectq_key__, attribute)


@dataclass(frozen=True, slots=True)
class InjectedParameter:
    """One parameter of a function, as InjectQ reads it.

    `key` is what is resolved for it; `optional` is True for `T | None` (None when nothing
    provides T); `marked` is True when a marker asks for injection; `default` is MISSING when
    the parameter has none; `position` is its index, or None when it is keyword-only.
    """

    name: str
    key: Any
    position: int | None
    positional_only: bool
    default: Any
    optional: bool
    marked: bool

    @classmethod
    def of_key(cls, name: str, key: Any, *, optional: bool = False) -> InjectedParameter:
        """A keyword-only parameter `name` marked for injection of `key` (None when nothing
        provides it, with `optional`): what `Inject[key]` (`Inject[key | None]`) reads as."""
        return cls(name, key, None, False, MISSING, optional, True)

    @property
    def keyword_only(self) -> bool:
        return self.position is None

    @property
    def has_default(self) -> bool:
        """True when the parameter has a default of its own (a marker is not one)."""
        return self.default is not MISSING


def is_marker(candidate: object) -> bool:
    """True when `candidate` is an InjectQ marker (any adapter's, or the core's)."""
    return hasattr(type(candidate), MARKER_ATTRIBUTE)


def read_parameters(
    function: Callable[..., Any],
    owner: str,
    *,
    hinted: Callable[..., Any] | None = None,
    all_injected: bool = False,
) -> tuple[InjectedParameter, ...]:
    """Every named parameter of `function` that has a type annotation or a marker.

    `hinted` is the function whose type hints describe the parameters (a class's `__init__`
    for the class). Parameters with neither an annotation nor a marker are left out; with
    `all_injected` (a class or factory that InjectQ calls itself) one without a default is a
    MissingBindingError naming `owner`, as are type hints that cannot be evaluated.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return ()
    try:
        hints = typing.get_type_hints(hinted or function, include_extras=True)
    except Exception as error:
        raise MissingBindingError(
            f"cannot read the type hints of {owner}: {error}",
            path=(owner,),
            fix="make every annotation of its parameters importable at run time "
            "(not only under TYPE_CHECKING)",
        ) from error
    found: list[InjectedParameter] = []
    for index, (name, parameter) in enumerate(signature.parameters.items()):
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = MISSING if parameter.default is parameter.empty else parameter.default
        annotation = hints.get(name, MISSING)
        read = _read(name, annotation, default, owner)
        if read is None:
            if default is not MISSING or not all_injected:
                continue
            raise MissingBindingError(
                f"parameter {name!r} of {owner} has no type annotation, so nothing can be "
                "injected into it",
                path=(owner,),
                fix=f"annotate it ({name}: SomeService) or give it a default",
            )
        key, optional, marked = read
        found.append(
            InjectedParameter(
                name=name,
                key=key,
                position=None if parameter.kind is parameter.KEYWORD_ONLY else index,
                positional_only=parameter.kind is parameter.POSITIONAL_ONLY,
                default=MISSING if is_marker(default) or _marker_in_alias(default) else default,
                optional=optional,
                marked=marked,
            )
        )
    return tuple(found)


def marked_parameters(function: Callable[..., Any], owner: str) -> tuple[InjectedParameter, ...]:
    """The parameters of `function` that a marker asks InjectQ to fill in (what adapters inject)."""
    return tuple(p for p in read_parameters(function, owner) if p.marked)


def _read(name: str, annotation: Any, default: object, owner: str) -> tuple[Any, bool, bool] | None:
    """(key, optional, marked) of one parameter; None when it has no annotation and no marker."""
    base, optional = unwrap_optional(annotation)
    marker: object = default if is_marker(default) else None
    aliased = _marker_in_alias(default)
    if aliased is not None:
        # `g: Greeter = Inject[Greeter]` (a default, as injectq 0.5.0 taught it): the alias's
        # own type is the key; `Inject["db_url"]` there names a string key
        marker, key_of_default = aliased
        if annotation is MISSING:
            annotation = base = key_of_default
    if typing.get_origin(base) is Annotated:
        inner, *metadata = typing.get_args(base)
        found = next((meta for meta in metadata if is_marker(meta)), None)
        if found is not None:
            marker = found
        base, inner_optional = unwrap_optional(inner)
        optional = optional or inner_optional
    if marker is None:
        return None if annotation is MISSING else (base, optional, False)
    key: object = getattr(marker, MARKER_ATTRIBUTE)
    if key is None and aliased is not None:
        key = aliased[1]
    if key is None:
        if annotation is MISSING:
            raise BindingError(
                f"parameter {name!r} of {owner} has no annotation, but it is marked for "
                "injection without a key (so its annotation is the key)",
                path=(owner,),
                fix=f"annotate it ({name}: SomeService), or name the key in the marker",
            )
        return base, optional, True
    explicit, explicit_optional = unwrap_optional(key)
    return explicit, optional or explicit_optional, True


def _marker_in_alias(default: object) -> tuple[object, Any] | None:
    """(marker, key) when `default` is `Inject[key]` itself (an `Annotated` alias holding a
    marker); a string key written there (`Inject["db_url"]`) is that string."""
    if typing.get_origin(default) is not Annotated:
        return None
    inner, *metadata = typing.get_args(default)
    found = next((meta for meta in metadata if is_marker(meta)), None)
    if found is None:
        return None
    if isinstance(inner, typing.ForwardRef):
        inner = inner.__forward_arg__
    return found, inner


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """`T | None` (or `Optional[T]`) -> (T, True); anything else -> (annotation, False)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(annotation)
        kept = [arg for arg in args if arg is not type(None)]
        if len(kept) == 1 and len(args) == 2:
            return kept[0], True
    return annotation, False
