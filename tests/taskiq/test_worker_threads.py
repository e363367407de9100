"""A sync task's thread never waits without bound on the worker's event loop.

`taskiq worker` runs its receiver with `loop.run_until_complete(receiver.listen(...))` inside
`with executor`: when the broker's `listen()` raises (a Redis restart), the loop stops while a
sync task still runs in the thread pool, and the executor's shutdown joins that thread before
the loop ever runs again. The thread must then close its attempt's scope by itself.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from taskiq import AsyncBroker, BrokerMessage, InMemoryBroker, TaskiqMessage
from taskiq.receiver import Receiver

from injectq import InjectQ
from injectq.integrations.taskiq import InjectQDependency, setup_taskiq_integration
from injectq_taskiq._attempt import ATTEMPT, Attempt, LoopStoppedError, run_on
from tests._journal import Journal


class SyncResource:
    pass


class AsyncResource:
    pass


class ListenFailsBroker(AsyncBroker):
    """Delivers what was sent, then its `listen()` raises after `fail_after` seconds."""

    def __init__(self, fail_after: float) -> None:
        super().__init__()
        self.fail_after = fail_after
        self.sent: list[bytes] = []

    async def kick(self, message: BrokerMessage) -> None:
        self.sent.append(message.message)

    async def listen(self) -> AsyncGenerator[bytes, None]:
        for message in self.sent:
            yield message
        await asyncio.sleep(self.fail_after)
        raise ConnectionError("the broker went away")


def run_worker(broker: AsyncBroker, outcome: dict[str, Any]) -> None:
    """What `taskiq worker` does in its process (taskiq/cli/worker/run.py `start_listen`)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with ThreadPoolExecutor(2) as pool:
            receiver = Receiver(broker, executor=pool, max_async_tasks=4)
            loop.run_until_complete(receiver.listen(asyncio.Event()))
    except BaseException as error:
        outcome["error"] = error
    finally:
        loop.run_until_complete(asyncio.wait_for(broker.shutdown(), 5))
        loop.close()
        outcome["ended"] = time.monotonic()


@pytest.mark.timeout(20)
async def test_a_worker_whose_loop_stops_under_a_sync_task_exits_and_closes_its_scope(
    journal: Journal,
) -> None:
    container = InjectQ()
    worker_loops: list[asyncio.AbstractEventLoop] = []

    def sync_resource() -> Iterator[SyncResource]:
        yield SyncResource()
        journal.add("closed", "sync")

    async def async_resource() -> AsyncIterator[AsyncResource]:
        worker_loops.append(asyncio.get_running_loop())
        yield AsyncResource()
        on_worker_loop = asyncio.get_running_loop() is worker_loops[0]
        journal.add("closed", "async", on_worker_loop)

    container.bind_factory(SyncResource, sync_resource, scope="scoped")
    container.bind_factory(AsyncResource, async_resource, scope="scoped")
    broker = ListenFailsBroker(fail_after=0.3)
    setup_taskiq_integration(broker, container, validate=False)

    @broker.task
    def slow(
        first: SyncResource = InjectQDependency(SyncResource),
        second: AsyncResource = InjectQDependency(AsyncResource),
    ) -> str:
        journal.add("started")
        time.sleep(1)
        journal.add("finished")
        return "done"

    await slow.kiq()
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=run_worker, args=(broker, outcome), daemon=True)
    started = time.monotonic()
    worker.start()
    await asyncio.to_thread(worker.join, 10)
    assert not worker.is_alive(), "the worker never exited: its executor waits on a thread"
    error: BaseException = outcome["error"]  # anyio's task group wraps what listen() raised
    assert repr(error) == repr(
        ExceptionGroup("unhandled errors in a TaskGroup", [ConnectionError("the broker went away")])
    )
    assert outcome["ended"] - started < 5
    assert journal.events[:2] == [["started"], ["finished"]]
    # the scope closed in the task's thread: the async finalizer on a loop of its own
    assert sorted(journal.events[2:]) == [["closed", "async", False], ["closed", "sync"]]


@pytest.mark.timeout(10)
def test_running_on_a_loop_that_was_never_started_or_is_closed_raises_at_once() -> None:
    loop = asyncio.new_event_loop()

    async def work() -> str:
        return "ran"

    started = time.monotonic()
    coroutine = work()
    with pytest.raises(LoopStoppedError) as stopped:
        run_on(loop, coroutine)
    assert not stopped.value.started  # the caller still owns the coroutine
    assert asyncio.run(coroutine) == "ran"
    loop.close()
    coroutine = work()
    with pytest.raises(LoopStoppedError):
        run_on(loop, coroutine)
    coroutine.close()
    assert time.monotonic() - started < 2


@pytest.mark.timeout(10)
def test_running_on_a_loop_that_stops_while_waiting_returns_promptly() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        assert run_on(loop, asyncio.sleep(0, "ok")) == "ok"
        never = asyncio.Event()

        async def waits_forever() -> None:
            await never.wait()

        loop.call_soon_threadsafe(loop.call_later, 0.2, loop.stop)
        started = time.monotonic()
        with pytest.raises(LoopStoppedError) as stopped:
            run_on(loop, waits_forever())
        assert stopped.value.started  # it began on the loop, which stopped under it
        assert time.monotonic() - started < 2
    finally:
        thread.join(5)
        for task in asyncio.all_tasks(loop):  # what the stopped loop left behind
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()


@pytest.mark.timeout(10)
async def test_waiting_for_the_loop_from_its_own_thread_is_refused() -> None:
    coroutine = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="own thread"):
        run_on(asyncio.get_running_loop(), coroutine)
    await coroutine


@pytest.mark.timeout(10)
def test_a_sync_attempt_whose_async_factory_needs_a_stopped_loop_fails_at_once(
    journal: Journal,
) -> None:
    container = InjectQ()

    def sync_resource() -> Iterator[SyncResource]:
        yield SyncResource()
        journal.add("closed", "sync")

    async def async_resource() -> AsyncResource:
        return AsyncResource()

    container.bind_factory(SyncResource, sync_resource, scope="scoped")
    container.bind_factory(AsyncResource, async_resource, scope="scoped")
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container, validate=False)

    @broker.task
    def needs_both(
        first: SyncResource = InjectQDependency(SyncResource),
        second: AsyncResource = InjectQDependency(AsyncResource),
    ) -> None:
        journal.add("ran")

    attempt: Attempt = getattr(needs_both.original_func, ATTEMPT)
    message = TaskiqMessage(
        task_id="t-1", task_name=needs_both.task_name, labels={}, args=[], kwargs={}
    )
    loop = asyncio.new_event_loop()  # never run: as after the worker's loop stopped
    try:
        with pytest.raises(LoopStoppedError, match=r"async factories of task .* could not run"):
            attempt.run_sync(message, (), {}, loop)
    finally:
        loop.close()
    assert journal.events == []  # nothing was made (one generated call resolves both)
