"""The demo's recorder, and the request context every unit of work carries."""

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    """Who a unit of work is for; propagated to the tasks it sends."""

    correlation_id: str
    tenant: str


@dataclass
class Journal:
    """The demo's recorder (a singleton): what each unit of work got, and its finalizers."""

    events: list[tuple[float, str, str]] = field(default_factory=list)  # (time, unit id, what)
    units: list[dict[str, Any]] = field(default_factory=list)  # what each unit of work saw

    def event(self, unit_id: str, what: str) -> None:
        self.events.append((time.monotonic(), unit_id, what))

    def record(self, kind: str, context: RequestContext, unit_id: str, **seen: Any) -> None:
        self.units.append({"kind": kind, "context": context, "unit": unit_id, **seen})
