"""`container.lifespan()`: the runtimes that serve a container, counted.

One process may serve a container from several runtimes: a FastAPI app, the taskiq broker it
runs tasks on in-process, an MCP server mounted beside it. Each adapter holds a lifespan for
as long as its runtime runs; the container's singletons are closed when the last one ends,
not when the first does (a service closed under a runtime still serving would be made again,
and that second one never closed).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ._errors import ScopeError

if TYPE_CHECKING:
    import logging
    from collections.abc import Awaitable, Callable


class Serving:
    """How many lifespans of one container are open."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


class Lifespan:
    """An async context manager: the container is served while it is open."""

    __slots__ = ("_close", "_entered", "_log", "_serving", "name")

    def __init__(
        self,
        serving: Serving,
        close: Callable[..., Awaitable[None]],
        name: str,
        log_failures: logging.Logger | None,
    ) -> None:
        self._serving = serving
        self._close = close
        self._log = log_failures
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
            await self._close(log_failures=self._log)
