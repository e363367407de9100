"""The production layout of docs/guides/production.md: `taskiq worker` on RedisStreamBroker.

A redis-server, real `taskiq worker tests.e2e.stream_app:broker --ack-type when_saved`
processes, and the test process as the sender. What each attempt got is read from the
results, what its finalizers did from the records it leaves in Redis, and whether a message
was acknowledged from the consumer group's pending entries.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from ._harness import STOP_TIMEOUT, STREAM_APP_FILE, STREAM_APP_MODULE, load_app

if TYPE_CHECKING:
    from types import ModuleType

    from tests._servers import RedisServer

    from ._harness import ProcessStarter, Worker

RESULT_TIMEOUT = 20.0
ACK = ("--ack-type", "when_saved")


def start_worker(processes: ProcessStarter, redis_server: RedisServer, namespace: str) -> Worker:
    return processes.start_worker(redis_server.url, namespace, app=STREAM_APP_MODULE, arguments=ACK)


def sender(redis_server: RedisServer, namespace: str) -> ModuleType:
    return load_app(redis_server.url, namespace, app_file=STREAM_APP_FILE)


async def records(app: ModuleType, **match: Any) -> list[dict[str, Any]]:
    client = Redis.from_url(app.settings.redis_url)
    try:
        found: list[dict[str, Any]] = await app.Recorder(
            client, f"{app.settings.prefix}:records"
        ).read()
    finally:
        await client.aclose()
    return [r for r in found if all(r.get(key) == value for key, value in match.items())]


async def wait_for_records(app: ModuleType, count: int, **match: Any) -> list[dict[str, Any]]:
    deadline = time.monotonic() + RESULT_TIMEOUT
    while True:
        found = await records(app, **match)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def pending(app: ModuleType) -> int:
    """How many messages the consumer group has delivered and not had acknowledged."""
    client = Redis.from_url(app.settings.redis_url)
    try:
        summary = await client.xpending(app.broker.queue_name, app.broker.consumer_group_name)
    finally:
        await client.aclose()
    return int(summary["pending"])


async def test_a_task_whose_worker_is_killed_runs_again_on_another_worker_in_a_new_scope(
    redis_server: RedisServer, processes: ProcessStarter
) -> None:
    namespace = f"redelivery-{uuid.uuid4().hex[:6]}"
    first_worker = start_worker(processes, redis_server, namespace)
    app = sender(redis_server, namespace)
    first_worker.wait_started()
    await app.broker.startup()
    try:
        sent = await app.hold.kiq(60.0)  # the first attempt would take a minute
        [started] = await wait_for_records(app, 1, event="attempt_started", task_id=sent.task_id)
        first_worker.process.kill()  # SIGKILL, mid-task: no finalizer, no result, no ack
        assert first_worker.process.wait(10) is not None

        second_worker = start_worker(processes, redis_server, namespace).wait_started()
        # the stream broker claims a message left pending for longer than its idle timeout
        # when a fetch has returned new messages: each ping is such a fetch
        deadline = time.monotonic() + RESULT_TIMEOUT
        while not await app.broker.result_backend.is_result_ready(sent.task_id):
            assert time.monotonic() < deadline, "the killed worker's task was not redelivered"
            await (await app.ping.kiq()).wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05)
            await asyncio.sleep(0.2)
        result = await sent.wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05)
        assert not result.is_err, result.error
        attempts = await records(app, event="attempt_started", task_id=sent.task_id)
        closed = await records(app, event="attempt_closed", task_id=sent.task_id)
        left = await pending(app)
    finally:
        await app.broker.shutdown()

    assert started["pid"] == first_worker.children[0]
    (again,) = [attempt for attempt in attempts if attempt["scope_id"] != started["scope_id"]]
    assert len(attempts) == 2, attempts
    assert again["pid"] == second_worker.children[0]  # the other worker ran it
    assert result.return_value["scope_id"] == again["scope_id"]  # in a scope of its own
    # only the second attempt's finalizer ran: the killed one's never did
    assert [(r["scope_id"], r["error"]) for r in closed] == [(again["scope_id"], None)]
    assert left == 0, "every delivered message was acknowledged"


async def test_a_stream_worker_finishes_its_running_task_on_sigterm_then_closes_its_singletons(
    redis_server: RedisServer, processes: ProcessStarter
) -> None:
    namespace = f"sigterm-{uuid.uuid4().hex[:6]}"
    worker = start_worker(processes, redis_server, namespace)
    app = sender(redis_server, namespace)
    worker.wait_started()
    await app.broker.startup()
    try:
        sent = await app.hold.kiq(1.5)
        await wait_for_records(app, 1, event="attempt_started", task_id=sent.task_id)
        started = time.monotonic()
        worker.process.send(signal.SIGTERM)  # as `docker stop` and Kubernetes do
        code = worker.process.wait(STOP_TIMEOUT)
        elapsed = time.monotonic() - started
        result = await sent.wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05)
        closed = await records(app, event="attempt_closed", task_id=sent.task_id)
        worker_closed = await records(app, event="worker_closed")
        left = await pending(app)
    finally:
        await app.broker.shutdown()

    print(f"the worker exited {elapsed:.1f}s after SIGTERM")
    assert code == 0, worker.process.describe()
    assert not result.is_err, result.error  # the running task finished first
    assert [r["error"] for r in closed] == [None]
    assert left == 0, "the finished task was acknowledged: it will not run again"
    assert [r["pid"] for r in worker_closed] == worker.children  # singletons closed at the end
    assert "Traceback" not in worker.process.output()
