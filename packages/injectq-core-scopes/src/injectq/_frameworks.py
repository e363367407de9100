"""The frameworks' own markers inside `Inject[T]`.

A framework that reads parameters itself (FastAPI builds a request model from them, FastMCP
a tool's input schema) must see an injected parameter as one of its dependencies, or it
takes the parameter for input and rejects the function when it is declared. Each adapter
registers a function that makes its framework's marker for a key. `Inject[T]` adds the
markers of the frameworks already imported (a module that declares routes or tools has
imported its framework), loading an installed adapter through its `injectq.markers` entry
point (named after the framework's module) when the framework is imported first.
"""

from __future__ import annotations

import sys
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Final, cast

if TYPE_CHECKING:
    from collections.abc import Callable

#: the entry-point group in which adapters name their marker functions
ENTRY_POINT_GROUP: Final = "injectq.markers"

_lock = threading.Lock()
#: framework module name -> the function making its marker for a key
_makers: dict[str, Callable[[Any], object]] = {}
#: framework module name -> the installed adapter's entry point, not loaded yet
_pending: dict[str, EntryPoint] | None = None


def add_framework_marker(framework: str, make: Callable[[Any], object]) -> None:
    """Put `make(key)` into every `Inject[key]` made while `framework` (a module name) is
    imported. For adapters: `add_framework_marker("fastapi", lambda key: Depends(...))`."""
    if not isinstance(cast("object", framework), str) or not framework or not callable(make):
        raise TypeError("add_framework_marker(framework: str, make: Callable[[key], marker])")
    with _lock:
        _makers[framework] = make
        if _pending is not None:
            _pending.pop(framework, None)


def framework_markers(key: Any) -> tuple[object, ...]:
    """The markers of the imported frameworks for `key`."""
    if _pending is None or _pending:
        _load_imported()
    if not _makers:
        return ()
    return tuple(make(key) for framework, make in list(_makers.items()) if framework in sys.modules)


def _load_imported() -> None:
    global _pending  # discovered once per process
    with _lock:
        pending = _pending
        if pending is None:
            found = entry_points(group=ENTRY_POINT_GROUP)
            pending = _pending = {ep.name: ep for ep in found if ep.name not in _makers}
        ready = [ep for name, ep in pending.items() if name in sys.modules]
    for entry in ready:
        # importing the adapter registers its marker (add_framework_marker)
        make = entry.load()
        if callable(make) and entry.name not in _makers:
            add_framework_marker(entry.name, make)
        with _lock:
            pending.pop(entry.name, None)
