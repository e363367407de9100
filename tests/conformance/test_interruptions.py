"""Row 4: a unit of work that is cancelled or runs into its timeout runs every finalizer, and
they see it; a sync unit that outlives its timeout is failed (it never commits after a
reported failure); an async singleton whose creating unit is interrupted is made by a unit
that was waiting for it.

How each runtime interrupts a unit (`Call.interrupted`): HTTP, WebSocket and tool calls are
cancelled by their client (httpx and the ASGI WebSocket client run the app in the client's
task; FastMCP's client sends the server a cancellation, which cancels the call with an anyio
cancel scope); a taskiq task cannot be cancelled once it runs, so it is interrupted by a
`timeout` label (anyio's `fail_after`, which cancels again at every await).
"""

import asyncio
import threading
from typing import Any

import pytest

from injectq import Inject, InjectQ
from tests._journal import Journal, until

from ._runtimes import Runtime, runtimes
from ._services import AsyncResource, Pool, SyncResource, async_finalized, closes, sync_finalized

pytestmark = pytest.mark.timeout(20)

#: the timeout given to a unit of work in the timeout rows
TIMEOUT = 0.2

#: the runtimes whose framework has a timeout for a unit of work (taskiq's `timeout=` label,
#: FastMCP's `timeout=` on a tool); FastAPI and Starlette have none for a request or a
#: WebSocket session: there, a unit ends early only when its client goes (the row above)
WITH_TIMEOUTS = runtimes(only={"task-inmemory", "task-receiver", "tool"})


def container_of(journal: Journal) -> InjectQ:
    """Two scoped services: one finalized by a sync generator, one by an async generator."""
    container = InjectQ()
    container.bind_factory(SyncResource, sync_finalized(journal, SyncResource), scope="scoped")
    container.bind_factory(AsyncResource, async_finalized(journal, AsyncResource), scope="scoped")
    return container


def both_closed(journal: Journal) -> bool:
    return len(journal.of("close")) >= 2


def seen_by_finalizers(journal: Journal) -> dict[str, list[str]]:
    """What each finalizer saw, by service: the type of the exception thrown in (or None)."""
    return {
        kind.__name__: [
            "no exception" if error is None else type(error).__name__
            for errors in closes(journal, kind).values()
            for error in errors
        ]
        for kind in (SyncResource, AsyncResource)
    }


def expected(seen: dict[str, list[str]], allowed: tuple[type[BaseException], ...]) -> bool:
    """Each service closed once, seeing one of `allowed`."""
    names = {error.__name__ for error in allowed}
    return all(len(errors) == 1 and errors[0] in names for errors in seen.values())


async def test_an_interrupted_unit_runs_every_finalizer_and_they_see_the_interruption(
    runtime: Runtime, journal: Journal
) -> None:
    entered = asyncio.Event()

    async def unit(first: Inject[SyncResource], second: Inject[AsyncResource]) -> Any:
        entered.set()
        await asyncio.Event().wait()  # until interrupted

    async with runtime.serving(container_of(journal), unit) as call:
        outcome = await call.interrupted(entered)
        await until(lambda: both_closed(journal))

    assert not outcome.ok
    seen = seen_by_finalizers(journal)
    assert expected(seen, runtime.seen_on_interruption), (
        f"each finalizer once, seeing one of {runtime.seen_on_interruption}: {seen}"
    )


@pytest.mark.parametrize("runtime", WITH_TIMEOUTS, indirect=True)
async def test_a_unit_that_runs_into_its_timeout_runs_every_finalizer_and_they_see_it(
    runtime: Runtime, journal: Journal
) -> None:
    async def unit(first: Inject[SyncResource], second: Inject[AsyncResource]) -> Any:
        await asyncio.Event().wait()  # until the timeout

    async with runtime.serving(container_of(journal), unit, time_limit=TIMEOUT) as call:
        outcome = await call()
        await until(lambda: both_closed(journal))

    assert not outcome.ok
    seen = seen_by_finalizers(journal)
    assert expected(seen, runtime.seen_on_timeout), (
        f"each finalizer once, seeing one of {runtime.seen_on_timeout}: {seen}"
    )


@pytest.mark.parametrize("runtime", WITH_TIMEOUTS, indirect=True)
async def test_a_sync_unit_that_outlives_its_timeout_is_failed_and_never_commits(
    runtime: Runtime, journal: Journal
) -> None:
    entered = threading.Event()
    release = threading.Event()

    def unit(first: Inject[SyncResource], second: Inject[AsyncResource]) -> dict[str, Any]:
        entered.set()
        release.wait(5)  # a thread cannot be cancelled: it outlives the timeout
        return {"committed": True}

    async with runtime.serving(container_of(journal), unit, time_limit=TIMEOUT) as call:
        running = asyncio.ensure_future(call())
        try:
            await until(entered.is_set)
            # the client is told of the timeout now (taskiq), or once the thread is done (FastMCP)
            await asyncio.wait({running}, timeout=2 * TIMEOUT)
        finally:
            release.set()
        outcome = await running
        await until(lambda: both_closed(journal))

    assert not outcome.ok, "the client was told the unit failed"
    seen = seen_by_finalizers(journal)
    assert expected(seen, runtime.seen_on_timeout), (
        f"each finalizer once, seeing one of {runtime.seen_on_timeout} (never no exception, which "
        f"commits): {seen}"
    )


async def test_an_async_singleton_whose_creating_unit_is_interrupted_is_made_by_a_waiting_unit(
    runtime: Runtime,
) -> None:
    container = InjectQ()
    attempts: list[str] = []
    creating = asyncio.Event()
    waiting = asyncio.Event()
    interrupt = asyncio.Event()

    async def pool() -> Pool:
        attempts.append("attempt")
        if len(attempts) == 1:
            creating.set()
            await asyncio.Event().wait()  # the first creation never ends: its unit is interrupted
        return Pool()

    container.bind_factory(Pool, pool, scope="singleton")

    async def unit(role: str) -> dict[str, Any]:
        if role == "waiter":
            waiting.set()  # and on, without a pause, to wait for the creation under way
        made = await container.aget(Pool)
        return {"pool": made.number}

    async with runtime.serving(container, unit) as call:
        creator = asyncio.ensure_future(call.interrupted(interrupt, role="creator"))
        async with asyncio.timeout(5):
            await creating.wait()
        waiter = asyncio.ensure_future(call(role="waiter"))
        async with asyncio.timeout(5):
            await waiting.wait()
        interrupt.set()
        interrupted = await creator
        took_over = await waiter
        later = await call(role="later")

    assert not interrupted.ok, "the creating unit was interrupted"
    assert took_over.ok, f"the waiting unit failed with its creator: {took_over.error}"
    assert later.ok, later.error
    assert took_over.value == later.value, "one singleton, made by the waiting unit"
    assert attempts == ["attempt", "attempt"]
