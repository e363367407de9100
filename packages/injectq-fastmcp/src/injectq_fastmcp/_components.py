"""The server's own tools, resources, templates and prompts, and the functions behind them."""

from __future__ import annotations

import functools
import typing
from typing import TYPE_CHECKING, Any, Final

# evaluated at run time: FastMCP reads the annotation of the probe below
from fastmcp import Context  # noqa: TC002
from fastmcp.prompts import FunctionPrompt
from fastmcp.resources import FunctionResource
from fastmcp.resources.template import FunctionResourceTemplate
from fastmcp.server.dependencies import without_injected_parameters
from fastmcp.tools import FunctionTool

from injectq import InjectedParameter, marked_parameters

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import CellType, CodeType

    from fastmcp import FastMCP

#: on a tool function InjectQ wrapped (see `_tools.py`): the user's function
ORIGINAL_ATTRIBUTE: Final = "__injectq_original__"


def components_of(mcp: FastMCP[Any]) -> dict[str, object] | None:
    """The dict in which the server's local provider keeps its components (None if the
    FastMCP version keeps them some other way).

    FastMCP lists components only asynchronously and through its transforms; the adapter
    needs the registered objects themselves.
    """
    components: object = getattr(mcp.local_provider, "_components", None)
    if not isinstance(components, dict):
        return None
    return typing.cast("dict[str, object]", components)


def local_components(mcp: FastMCP[Any]) -> list[object]:
    """The components registered on the server itself, in order."""
    components = components_of(mcp)
    return [] if components is None else list(components.values())


def entry_name(component: object) -> str | None:
    """How validation names a component: `tool search`, `resource orders://{id}`, `prompt x`."""
    if isinstance(component, FunctionTool):
        name = f"tool {component.name}"
    elif isinstance(component, FunctionResourceTemplate):
        name = f"resource {component.uri_template}"
    elif isinstance(component, FunctionResource):
        name = f"resource {component.uri}"
    elif isinstance(component, FunctionPrompt):
        name = f"prompt {component.name}"
    else:
        return None
    return name if component.version is None else f"{name} (version {component.version})"


def injected_parameters(function: Callable[..., Any], where: str) -> tuple[InjectedParameter, ...]:
    """The parameters of `function` that InjectQ fills in (any InjectQ marker: `Inject[T]`,
    `InjectQDependency`, another adapter's), read by the core's one parser."""
    return marked_parameters(function, where)


def user_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """The function the user registered, from what a component calls.

    A tool calls it (or InjectQ's wrapper of it); a resource, template or prompt calls the
    wrapper FastMCP made to resolve its dependencies (behind pydantic's `validate_call` for a
    template), which holds the function in its closure.
    """
    for _ in range(8):
        inner: Any = getattr(function, ORIGINAL_ATTRIBUTE, None) or getattr(
            function, "__wrapped__", None
        )
        if inner is None:
            inner = _held_by_fastmcp_wrapper(function)
        if inner is None or not callable(inner):
            return function
        function = inner
    return function


def _held_by_fastmcp_wrapper(function: object) -> object:
    code: CodeType | None = getattr(function, "__code__", None)
    closure: tuple[CellType, ...] | None = getattr(function, "__closure__", None)
    if code is None or not closure or code is not _fastmcp_wrapper_code():
        return None
    names = code.co_freevars
    if "fn" not in names:
        return None
    return closure[names.index("fn")].cell_contents


@functools.cache
def _fastmcp_wrapper_code() -> object:
    """The code of the wrappers `without_injected_parameters` makes (one for all of them)."""

    async def probe(context: Context) -> None:  # pragma: no cover - never called
        del context

    return getattr(without_injected_parameters(probe), "__code__", None)
