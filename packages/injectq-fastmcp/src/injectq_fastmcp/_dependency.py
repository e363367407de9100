"""`InjectQDependency(T)` and FastMCP's marker inside `injectq.Inject[T]`: parameters of
tools, resources and prompts that InjectQ fills in.

A marker is an `uncalled_for.Provider`, the kind of dependency FastMCP's own dependency
injection knows: FastMCP leaves the parameter out of the input schema and the argument
validation (so a client that sends it is rejected), and, where the adapter has not moved the
parameter into its own wrapper (see `_tools.py`), enters the marker per call, which resolves
the service from the call's scope.

`injectq.Inject[T]` is `Annotated[T, <core marker>, *<markers of the imported frameworks>]`;
this module's `framework_marker` makes FastMCP's (registered when the adapter is imported,
and named in the `injectq.markers` entry point, so that `Inject[T]` written in a module that
imported FastMCP but not the adapter carries it too).
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from uncalled_for import Provider, current_frame

from injectq import (
    BindingError,
    InjectQError,
    ScopeError,
    marked_parameters,
    unwrap_optional,
)

from ._call import current_call, record_failure

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType


T = TypeVar("T")

#: the key of a marker that takes its key from the parameter's annotation
FROM_ANNOTATION: Final = object()


class InjectQDepends(Provider[Any]):
    """The marker behind `InjectQDependency(...)` and FastMCP's part of `Inject[T]`.

    `key` is what is resolved (`T | None`: None when nothing provides T), or
    `FROM_ANNOTATION` for "the parameter's type".
    """

    def __init__(self, key: Any = FROM_ANNOTATION, parameter: str | None = None) -> None:
        self.key = key
        #: the parameter this marker was handed out for (markers without a key only)
        self.parameter = parameter
        self._named: dict[str, InjectQDepends] | None = None
        base, optional = (key, False) if key is FROM_ANNOTATION else unwrap_optional(key)
        #: the key without `| None`, and whether it had it
        self._base: Any = base
        self._optional = optional

    @property
    def __injectq_key__(self) -> Any:
        """The key, or None for "the annotation is the key" (the convention of every adapter)."""
        return None if self.key is FROM_ANNOTATION else self.key

    def __repr__(self) -> str:
        if self.key is FROM_ANNOTATION:
            return "InjectQDependency()"
        return f"InjectQDependency({getattr(self.key, '__qualname__', self.key)!r})"

    def for_parameter(self, name: str) -> InjectQDepends:
        """The marker FastMCP enters for parameter `name`.

        A marker without a key needs the parameter's name to find its key (the annotation
        of that parameter in the function being called), so it hands out one marker per
        name, made once.
        """
        if self.key is not FROM_ANNOTATION or self.parameter == name:
            return self
        named = self._named
        if named is None:
            named = self._named = {}
        marker = named.get(name)
        if marker is None:
            marker = named[name] = InjectQDepends(FROM_ANNOTATION, name)
        return marker

    async def __aenter__(self) -> Any:
        call = current_call.get()
        if call is None:
            raise ScopeError(
                f"{self!r} is resolved by InjectQ, but this call did not go through a FastMCP "
                "server set up with InjectQ",
                fix="call setup_fastmcp_integration(mcp, container) when building the server",
            )
        key, optional = self._base, self._optional
        try:
            if key is FROM_ANNOTATION:
                key, optional = self._key_of_parameter()
            if optional:
                return await call.container.aget_optional(key)
            return await call.container.aget(key)
        except InjectQError as error:
            raise error.within(call.where) from None

    def _key_of_parameter(self) -> tuple[Any, bool]:
        # FastMCP's resolution frame names the function being called
        try:
            function = current_frame().function
        except RuntimeError:
            function = None
        name = self.parameter
        found = None if function is None or name is None else annotated_key(function, name)
        if found is None:
            raise BindingError(
                f"cannot tell which service parameter {name!r} wants: InjectQDependency() "
                "without a key takes the parameter's type, which is not known here",
                fix="give the key: InjectQDependency(T), or use Inject[T] (needed in the "
                "parameters of a FastMCP Depends() function)",
            )
        return found

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # FastMCP closes its dependencies with the function's own exception (before it turns
        # it into a ToolError): keep it for the call's scope
        if exc_value is not None:
            call = current_call.get()
            if call is not None:
                record_failure(call, exc_value)


def framework_marker(key: Any) -> InjectQDepends:
    """FastMCP's marker inside `injectq.Inject[key]` (see `injectq.add_framework_marker`):
    a FastMCP dependency, so FastMCP hides the parameter from schemas and clients."""
    return InjectQDepends(key)


#: per function, per parameter: (key, optional) from its annotation (functions held weakly)
_annotated_keys: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, bool]]] = (
    weakref.WeakKeyDictionary()
)


def annotated_key(function: Callable[..., Any], name: str) -> tuple[Any, bool] | None:
    """The key of `function`'s parameter `name` and whether it is optional (`T | None`),
    read by the core's parser; None when that parameter has no InjectQ marker. Looked up
    once per function and parameter."""
    try:
        known = _annotated_keys.get(function)
    except TypeError:  # not weakly referenceable: look it up every time
        known = None
    found = None if known is None else known.get(name)
    if found is None:
        try:
            parameters = marked_parameters(function, getattr(function, "__qualname__", name))
        except InjectQError:  # not introspectable, or unresolvable annotations
            return None
        found = next(((p.key, p.optional) for p in parameters if p.name == name), None)
        if found is None:
            return None
        with contextlib.suppress(TypeError):
            _annotated_keys.setdefault(function, {})[name] = found
    return found


@overload
def InjectQDependency(key: Callable[..., T], /) -> T: ...
@overload
def InjectQDependency(key: str, /) -> Any: ...
@overload
def InjectQDependency() -> Any: ...
def InjectQDependency(key: Any = FROM_ANNOTATION, /) -> Any:  # noqa: N802
    """Mark a tool, resource or prompt parameter for injection.

    `repo: IOrderRepo = InjectQDependency(IOrderRepo)`, or without a key in
    `Annotated[IOrderRepo, InjectQDependency()]`. The service is resolved in the call's scope;
    the parameter is not part of the tool's input schema and a client cannot send it.
    """
    if key is None:
        raise BindingError(
            "InjectQDependency(None): None is not a key",
            fix="pass the service's type (or string key), or nothing to use the annotation",
        )
    return InjectQDepends(key)
