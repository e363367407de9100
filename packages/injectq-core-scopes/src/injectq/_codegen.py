"""Writing generated functions: readable names, their constants, and tracebacks that show them.

Every object a generated function uses is bound under a name that says what it is (`Session`,
`open_database`, `make_Session`, `singletons`), every local is named after what it holds
(`session`, `session_2`), and paths and names are written as literals. The source is
registered with `linecache`, so a traceback through generated code shows the generated line.
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

#: names the templates use for their own locals and parameters: never given to anything else
_RESERVED: Final = frozenset(
    {"scope", "kwargs", "n", "error", "cache", "creating", "me", "owner", "holder"}
)
_counter = itertools.count(1)


@dataclass(eq=False)
class Generated:
    """A compiled function, its source, and the generated functions it calls."""

    function: Callable[..., Any]
    source: str
    calls: tuple[Generated, ...] = field(default=())


class Writer:
    """Accumulates the source, the constants and the called functions of one function."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.calls: list[Generated] = []
        self._names: dict[int, str] = {}
        self._taken: set[str] = {name}

    def constant(self, value: Any, hint: str) -> str:
        """The name under which `value` is bound in the function's namespace."""
        known = self._names.get(id(value))
        if known is not None:
            return known
        name = self._unique(identifier(hint))
        self.constants[name] = value
        self._names[id(value)] = name
        return name

    def call(self, generated: Generated) -> str:
        """Bind another generated function (a maker) by its own name."""
        self.calls.append(generated)
        return self.constant(generated.function, generated.function.__name__)

    def variable(self, hint: str) -> str:
        """A new local variable named after what it holds."""
        return self._unique(snake(identifier(hint)))

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def _unique(self, base: str) -> str:
        name = base
        for number in itertools.count(2):
            if name not in self._taken and name not in _RESERVED:
                break
            name = f"{base}_{number}"
        self._taken.add(name)
        return name

    def finish(self, helpers: dict[str, Any]) -> Generated:
        """Compile the function; register its source for tracebacks."""
        source = "\n".join(self.lines) + "\n"
        filename = f"<injectq {self.name} #{next(_counter)}>"
        namespace = {**helpers, **self.constants}
        exec(compile(source, filename, "exec"), namespace)
        function: Callable[..., Any] = namespace[self.name]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        # the entry goes with the function (bindings change, functions are compiled again)
        weakref.finalize(function, linecache.cache.pop, filename, None)
        return Generated(function, source, tuple(dict.fromkeys(self.calls)))


def identifier(text: str) -> str:
    """`text` made into a Python identifier that keeps its words: `list[int]` -> `list_int`."""
    name = re.sub(r"\W+", "_", text).strip("_") or "value"
    if name[0].isdigit():
        name = f"k{name}"
    if name.startswith("_"):
        name = name.lstrip("_") or "value"
    return f"{name}_" if keyword.iskeyword(name) else name


def snake(name: str) -> str:
    """`EmailService` -> `email_service` (for locals named after the class they hold)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def full_source(generated: Generated) -> str:
    """The source of `generated` followed by every generated function it calls, once each."""
    seen: dict[int, Generated] = {}
    stack = [generated]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen[id(current)] = current
        stack.extend(current.calls)
    return "\n\n\n".join(item.source.rstrip("\n") for item in seen.values()) + "\n"
