"""The fast path: a tool's injected parameters resolved by InjectQ's own wrapper of it.

Every marker is a FastMCP dependency, which is correct everywhere (tools, resources,
templates, prompts, the parameters of a FastMCP `Depends()` function) but costs FastMCP's
dependency resolution per call (an exit stack, a resolution frame, a context manager per
parameter), several times InjectQ's own work. Each function tool of the server gets a
wrapper that resolves its injected parameters from the call's scope and hides them from its
signature, so FastMCP finds no InjectQ dependency left to resolve: when the integration is
set up, and, for tools registered later (a decorator below the setup call), on the first
call after the server's count of components changed. The wrapper also records the exception
the function raises for the scope's finalizers. A tool it misses (from another provider, or
one replaced in place) keeps the dependency path: only slower, never wrong.
"""

from __future__ import annotations

import inspect
import typing
from asyncio import CancelledError
from typing import TYPE_CHECKING, Any

import anyio
from fastmcp import Context
from fastmcp.server.dependencies import get_context
from fastmcp.tools import FunctionTool
from fastmcp.utilities.async_utils import call_sync_fn_in_threadpool

from injectq import BindingError

from ._call import current_call, record_failure
from ._components import ORIGINAL_ATTRIBUTE, injected_parameters, local_components

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastmcp import FastMCP

    from injectq import Injector, InjectQ


def inject_tools(mcp: FastMCP[Any], container: InjectQ, *, strict: bool = True) -> int:
    """Give each function tool of `mcp` InjectQ's wrapper; return how many got one now.

    A tool whose markers are wrong (`InjectQDependency()` on a parameter without a type)
    raises BindingError when `strict`; otherwise it is left to FastMCP, which reports the
    problem when that tool is called, not when another one is.
    """
    count = 0
    for component in local_components(mcp):
        if not isinstance(component, FunctionTool) or hasattr(component.fn, ORIGINAL_ATTRIBUTE):
            continue
        try:
            wrapper = resolving_wrapper(component, container)
        except BindingError:
            if strict:
                raise
            continue
        if wrapper is not None:
            component.fn = wrapper
            count += 1
    return count


def resolving_wrapper(tool: FunctionTool, container: InjectQ) -> Callable[..., Any] | None:
    """The tool's function with its injected parameters resolved by InjectQ, or None where
    FastMCP had better keep calling it its own way."""
    function = tool.fn
    try:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:  # a partial, a builtin, unresolvable annotations
        return None
    if any(p.kind in _POSITIONAL for p in signature.parameters.values()):
        return None
    where = f"tool {tool.name}"
    try:
        injector = container.injector(injected_parameters(function, where), name=where)
    except BindingError as error:
        raise error.within(where) from None
    injected = {parameter.name for parameter in injector.parameters}
    timeout: float | None = getattr(tool, "timeout", None)
    if timeout is not None:
        invoke = _invoker(function, run_in_thread=tool.run_in_thread)
        wrapper = _timed_wrapper(
            invoke, injector, container, f"{where} ran past its timeout of {timeout:g} s"
        )
    elif inspect.iscoroutinefunction(function):
        wrapper = _async_wrapper(function, injector, container)
    else:
        wrapper = _wrapper(
            _invoker(function, run_in_thread=tool.run_in_thread), injector, container
        )
    kept = [p for name, p in signature.parameters.items() if name not in injected]
    # FastMCP (and pydantic's argument validation) read the wrapper's signature
    setattr(wrapper, "__signature__", signature.replace(parameters=kept))  # noqa: B010
    wrapper.__annotations__ = {k: v for k, v in hints.items() if k not in injected}
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(wrapper, attribute, getattr(function, attribute, getattr(wrapper, attribute)))
    setattr(wrapper, ORIGINAL_ATTRIBUTE, function)
    return wrapper


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL)


def _async_wrapper(
    function: Callable[..., Awaitable[Any]], injector: Injector, container: InjectQ
) -> Callable[..., Any]:
    async def invoke(values: dict[str, Any]) -> Any:
        return await function(**values)

    async def tool(**values: Any) -> Any:
        call = current_call.get()
        if call is None:  # run without the middleware (`call_tool(run_middleware=False)`)
            return await _in_own_scope(invoke, values, injector, container)
        try:
            pending = injector.inject(values)
            if pending is not None:
                await pending
            return await function(**values)
        except BaseException as error:
            record_failure(call, error)
            raise

    return tool


def _wrapper(
    invoke: Callable[[dict[str, Any]], Awaitable[Any]], injector: Injector, container: InjectQ
) -> Callable[..., Any]:
    async def tool(**values: Any) -> Any:
        call = current_call.get()
        if call is None:
            return await _in_own_scope(invoke, values, injector, container)
        try:
            pending = injector.inject(values)
            if pending is not None:
                await pending
            return await invoke(values)
        except BaseException as error:
            record_failure(call, error)
            raise

    return tool


def _timed_wrapper(
    invoke: Callable[[dict[str, Any]], Awaitable[Any]],
    injector: Injector,
    container: InjectQ,
    timed_out: str,
) -> Callable[..., Any]:
    """A tool with `timeout=`: FastMCP runs it under `anyio.fail_after` and reports a timeout
    as an error of its own. The finalizers see a TimeoutError instead, both when the tool is
    cancelled at the deadline and when a worker thread (which cannot be cancelled) returns
    after it: FastMCP rejects that result, so nothing may commit."""

    async def tool(**values: Any) -> Any:
        call = current_call.get()
        if call is None:
            return await _in_own_scope(invoke, values, injector, container)
        deadline = anyio.current_effective_deadline()
        try:
            pending = injector.inject(values)
            if pending is not None:
                await pending
            result = await invoke(values)
        except BaseException as error:
            late = isinstance(error, CancelledError) and anyio.current_time() >= deadline
            record_failure(call, TimeoutError(timed_out) if late else error)
            raise
        if anyio.current_time() >= deadline:
            record_failure(call, TimeoutError(timed_out))
        return result

    return tool


def _invoker(
    function: Callable[..., Any], *, run_in_thread: bool
) -> Callable[[dict[str, Any]], Awaitable[Any]]:
    """How FastMCP would call a function that is not a coroutine function.

    Services are resolved on the event loop (where async factories can be awaited); a sync
    function then runs in a worker thread unless the tool says otherwise, and the body of a
    generator runs there too, before the call's scope closes.
    """
    if inspect.isasyncgenfunction(function):

        async def collect(values: dict[str, Any]) -> Any:
            return [item async for item in function(**values)]

        return collect

    def run(values: dict[str, Any]) -> Any:
        result = function(**values)
        return list(result) if inspect.isgenerator(result) else result

    async def invoke(values: dict[str, Any]) -> Any:
        if run_in_thread:
            result = await call_sync_fn_in_threadpool(run, values)
        else:
            result = run(values)
        if inspect.isawaitable(result):
            result = await result
        return result

    return invoke


async def _in_own_scope(
    invoke: Callable[[dict[str, Any]], Awaitable[Any]],
    values: dict[str, Any],
    injector: Injector,
    container: InjectQ,
) -> Any:
    """The tool runs outside the middleware: it gets a scope of its own."""
    try:
        context: dict[Any, Any] | None = {Context: get_context()}
    except RuntimeError:  # no MCP request at all (the tool's `run` called directly)
        context = None
    async with container.scope("request", context=context):
        await injector.aresolve(values)
        return await invoke(values)
