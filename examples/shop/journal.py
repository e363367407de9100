"""The demo's recorder, and the request context every unit of work carries.

The journal appends one JSON line per event to a file when it has a path, so that the demo
can read what every process (the API, a taskiq worker) recorded.
"""

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    """Who a unit of work is for; propagated to the tasks it sends."""

    correlation_id: str
    tenant: str


@dataclass
class Journal:
    """What each unit of work got, and which finalizers ran (a singleton)."""

    path: str | None = None
    events: list[tuple[float, str, str]] = field(
        default_factory=list[tuple[float, str, str]]
    )  # (time, unit id, what)
    units: list[dict[str, Any]] = field(
        default_factory=list[dict[str, Any]]
    )  # what each unit of work saw

    def event(self, unit_id: str, what: str) -> None:
        entry = (time.time(), unit_id, what)
        self.events.append(entry)
        self._write({"event": entry})

    def record(self, kind: str, context: RequestContext, unit_id: str, **seen: Any) -> None:
        seen = {"kind": kind, "unit": unit_id, "pid": os.getpid(), **seen}
        self.units.append({"context": context, **seen})
        self._write({"unit": {"context": asdict(context), **seen}})

    def _write(self, line: dict[str, Any]) -> None:
        if self.path is not None:
            with open(self.path, "a") as file:  # one write per line: safe across processes
                file.write(json.dumps(line) + "\n")

    @classmethod
    def load(cls, path: str) -> "Journal":
        """Everything every process wrote to `path`, in the order it was written."""
        journal = cls()
        lines = Path(path).read_text().splitlines() if Path(path).exists() else []
        for line in map(json.loads, lines):
            if "event" in line:
                journal.events.append(tuple(line["event"]))
            else:
                unit = line["unit"]
                journal.units.append({**unit, "context": RequestContext(**unit["context"])})
        return journal
