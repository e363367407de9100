"""What `module:attribute` arguments of `python -m injectq` name: a container, entry points.

Framework objects (a FastAPI app, a taskiq broker or task, a FastMCP server) are recognised
only when their framework is already imported (the object exists, so it is), and their
adapter is imported then, by name: the core never imports an adapter otherwise.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from typing import Any, Final

from ._container import InjectQ
from ._validation import ENTRY_POINT_ATTRIBUTE, EntryPoint, as_entry_point


class UsageError(Exception):
    """A bad argument: the CLI prints it and exits with status 2."""


class LoadError(Exception):
    """The user's code failed while being loaded: printed with its traceback, status 1."""


#: framework module, class, adapter module, adapter wheel, entry-point helper
_FRAMEWORKS: Final = (
    ("fastapi", "FastAPI", "injectq_fastapi", "injectq-fastapi", "route_entry_points"),
    ("taskiq", "AsyncBroker", "injectq_taskiq", "injectq-taskiq", "task_entry_points"),
    ("taskiq", "TaskiqScheduler", "injectq_taskiq", "injectq-taskiq", "task_entry_points"),
    ("fastmcp", "FastMCP", "injectq_fastmcp", "injectq-fastmcp", "mcp_entry_points"),
)
_ENTRY_KINDS: Final = (
    "an EntryPoint, an @inject function, a FastAPI app, a taskiq broker or task, a FastMCP "
    "server, a list of these, or a function with no parameters that returns one of these"
)


def find(target: str, option: str) -> object:
    """The object `module:attribute` names (the attribute may be dotted)."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise UsageError(
            f"{option} takes module:attribute (like myapp.main:container), got {target!r}"
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        missing = isinstance(error, ModuleNotFoundError) and (
            error.name == module_name or module_name.startswith(f"{error.name}.")
        )
        if missing:
            raise UsageError(
                f"module {module_name!r} not found: run from the directory that contains it, or "
                "add that directory to PYTHONPATH"
            ) from None
        raise _failure(f"importing {module_name}") from error
    found: object = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise UsageError(f"{module_name} has no attribute {attribute!r}{_hint(module)}")
        found = getattr(found, part)
    return found


def load_container(target: str) -> InjectQ:
    """An InjectQ instance, or what a function with no parameters returns."""
    found = find(target, "the container argument")
    if isinstance(found, InjectQ):
        return found
    if _callable_without_arguments(found):
        made = _call(found, target)
        if isinstance(made, InjectQ):
            return made
        raise UsageError(f"{target} returned {_describe(made)}, not an InjectQ container")
    raise UsageError(
        f"{target} is {_describe(found)}: name an InjectQ container, or a function with no "
        "parameters that returns one"
    )


def load_entry_points(target: str) -> list[EntryPoint]:
    return _entry_points(find(target, "--entry"), target, may_call=True)


def _entry_points(found: object, target: str, *, may_call: bool) -> list[EntryPoint]:
    if isinstance(found, EntryPoint) or hasattr(found, ENTRY_POINT_ATTRIBUTE):
        return [as_entry_point(found)]
    framework = _framework_entry_points(found)
    if framework is not None:
        return framework
    if isinstance(found, (list, tuple, set, frozenset)):
        items: list[object] = list(found)  # pyright: ignore[reportUnknownArgumentType]
        entries: list[EntryPoint] = []
        for item in items:
            entries.extend(_entry_points(item, target, may_call=False))
        return entries
    if may_call and _callable_without_arguments(found):
        return _entry_points(_call(found, target), target, may_call=False)
    raise UsageError(f"--entry {target} is {_describe(found)}; it must be {_ENTRY_KINDS}")


def _framework_entry_points(found: object) -> list[EntryPoint] | None:
    task_class: object = getattr(sys.modules.get("taskiq"), "AsyncTaskiqDecoratedTask", None)
    if isinstance(task_class, type) and isinstance(found, task_class):
        task: Any = found
        name = f"task {task.task_name}"
        return [e for e in _from_adapter(task.broker, _FRAMEWORKS[1]) if e.name == name]
    for framework in _FRAMEWORKS:
        cls: object = getattr(sys.modules.get(framework[0]), framework[1], None)
        if isinstance(cls, type) and isinstance(found, cls):
            return _from_adapter(found, framework)
    return None


def _from_adapter(found: object, framework: tuple[str, str, str, str, str]) -> list[EntryPoint]:
    _, cls, adapter, wheel, helper = framework
    try:
        module = importlib.import_module(adapter)
    except ModuleNotFoundError as error:
        raise UsageError(
            f"drawing the entry points of a {cls} needs the {wheel} wheel, which is not "
            f"installed ({error})"
        ) from None
    entries: list[EntryPoint] = getattr(module, helper)(found)
    return entries


def _callable_without_arguments(found: object) -> bool:
    if isinstance(found, type) or not callable(found):
        return False
    try:
        signature = inspect.signature(found)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def _call(found: Any, target: str) -> object:
    if inspect.iscoroutinefunction(found):
        raise UsageError(f"{target} is an async function: name a plain function or the object")
    try:
        made: object = found()
    except Exception as error:
        raise _failure(f"calling {target}()") from error
    return made


def _failure(action: str) -> LoadError:
    """The exception being handled, with its traceback, as the user's code's failure."""
    return LoadError(f"{action} failed:\n{traceback.format_exc().rstrip()}")


def _describe(found: object) -> str:
    if inspect.isfunction(found):
        return f"the function {found.__qualname__}"
    return f"a {type(found).__qualname__} object"


def _hint(module: object) -> str:
    names = [name for name, value in vars(module).items() if isinstance(value, InjectQ)]
    return f" (its InjectQ containers: {', '.join(names)})" if names else ""
