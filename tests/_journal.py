"""A journal of what a test's services, tasks and finalizers went through, in order.

Code under test records events into it; the test asserts on them afterwards. The `journal`
fixture (tests/conftest.py) gives each test a fresh one:

    def factory(journal: Journal) -> Iterator[Repo]:
        repo = Repo()
        journal.add("open", "repo", repo.number)
        yield repo
        journal.add("close", "repo", repo.number)

    assert journal.of("close", "repo") == [["close", "repo", 1]]

An event is a list of plain values whose first item names its kind. Lists rather than tuples,
so that an event recorded in this process compares equal to one read back from the JSON-lines
file a journal in another process wrote (`Journal(path)`, `Journal.read(path)`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


class Journal:
    """Events in the order they were recorded; safe to add to from worker threads.

    With a `path`, every event is also appended to that file as one JSON list per line, for
    a test to read after the process that recorded it has stopped.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.events: list[list[Any]] = []
        self.path = path
        self._lock = threading.Lock()

    def add(self, *event: Any) -> None:
        """Record one event: `add("closed", task_id, None)`."""
        with self._lock:
            self.events.append(list(event))
            if self.path is not None:
                with self.path.open("a") as file:
                    file.write(json.dumps(list(event)) + "\n")

    def of(self, *prefix: Any) -> list[list[Any]]:
        """The events that start with `prefix`, in order: `of("close", "repo")`."""
        with self._lock:
            events = list(self.events)
        return [event for event in events if event[: len(prefix)] == list(prefix)]

    @staticmethod
    def read(path: Path) -> list[list[Any]]:
        """The events a journal with this `path` wrote so far (none if it wrote nothing)."""
        text = path.read_text() if path.exists() else ""
        return [json.loads(line) for line in text.splitlines()]


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll what finalizers and tasks record (they signal nothing) until `condition` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - nothing to wait on but the recorded state
            await asyncio.sleep(0.005)
