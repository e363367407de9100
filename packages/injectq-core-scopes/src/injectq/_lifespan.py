"""`container.lifespan()`: the runtimes that serve a container, counted.

One process may serve a container from several runtimes: a FastAPI app, the taskiq broker it
runs tasks on in-process, an MCP server mounted beside it. Each adapter holds a lifespan for
as long as its runtime runs; the container's singletons are closed when the last one ends,
not when the first does (a service closed under a runtime still serving would be made again,
and that second one never closed). The last one to end first waits, up to `drain` seconds,
for the units of work the adapters opened (requests, task attempts, tool calls: a sync task's
thread may outlive its worker's loop) to close: singletons are finalized after the last unit
that could use them, and nothing is made under them while they are.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ._errors import ScopeError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_logger = logging.getLogger("injectq")
_TICK = 0.02


class Serving:
    """How many lifespans of one container are open."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


class Lifespan:
    """An async context manager: the container is served while it is open."""

    __slots__ = ("_close", "_drain", "_entered", "_log", "_serving", "_units", "name")

    def __init__(
        self,
        serving: Serving,
        close: Callable[..., Awaitable[None]],
        name: str,
        log_failures: logging.Logger | None,
        units: Callable[[], list[str]],
        drain: float,
    ) -> None:
        self._serving = serving
        self._close = close
        self._log = log_failures
        self._units = units
        self._drain = drain
        self._entered = False
        self.name = name

    def __repr__(self) -> str:
        return f"<Lifespan {self.name} {'open' if self._entered else 'not open'}>"

    async def __aenter__(self) -> Lifespan:
        if self._entered:
            raise ScopeError(
                f"the lifespan of {self.name} is already open",
                fix="make one container.lifespan() per runtime and enter it once",
            )
        with self._serving.lock:
            self._serving.count += 1
        self._entered = True
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if not self._entered:
            return
        self._entered = False
        with self._serving.lock:
            self._serving.count -= 1
            last = self._serving.count == 0
        if last:
            try:
                await self._wait_for_units()
            finally:
                await self._close(log_failures=self._log)

    async def _wait_for_units(self) -> None:
        # units close in other tasks, threads and loops: looked at every 20 ms, not awaited
        deadline = time.monotonic() + self._drain
        for _ in range(int(self._drain / _TICK) + 1):
            if not self._units() or time.monotonic() >= deadline:
                break
            await asyncio.sleep(_TICK)
        left = self._units()
        if left:
            (self._log or _logger).warning(
                "%d unit(s) of work still open %g s after the last runtime of the container "
                "ended (%s, the last: %s); their singletons are closed under them",
                len(left),
                self._drain,
                ", ".join(left[:5]) + (", ..." if len(left) > 5 else ""),
                self.name,
            )
