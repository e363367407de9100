"""InjectQ on real taskiq processes: a redis-server, `taskiq worker` and `taskiq scheduler`.

The worker and the scheduler import `tests.e2e.worker_app` as an application's processes
would; the test process loads the same module as the sending side. What the tasks got is read
from their results, and what their finalizers did from the records they leave in Redis.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from taskiq import TaskiqMessage
from taskiq.task import AsyncTaskiqTask

from injectq import InjectQError

from ._harness import STOP_TIMEOUT, load_app

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

    from tests._servers import RedisServer

    from ._harness import ProcessStarter
    from .conftest import Shared

pytestmark = pytest.mark.asyncio(loop_scope="module")

RESULT_TIMEOUT = 20.0


async def run(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Send a task, wait for its result (bounded) and return (task id, result)."""
    sent = await task.kiq(*args, **kwargs)
    result = await sent.wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05)
    return sent.task_id, result


async def records(app: ModuleType, **match: Any) -> list[dict[str, Any]]:
    """The records that match, oldest first."""
    async with app.open_recorder(app.settings) as recorder:
        found: list[dict[str, Any]] = await recorder.read()
    return [r for r in found if all(r.get(key) == value for key, value in match.items())]


async def wait_for_records(app: ModuleType, count: int, **match: Any) -> list[dict[str, Any]]:
    """Poll until at least `count` records match (or RESULT_TIMEOUT passes)."""
    deadline = time.monotonic() + RESULT_TIMEOUT
    while True:
        found = await records(app, **match)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------------------------------
# the shared worker


async def test_tasks_get_their_services_injected_in_the_worker(app: ModuleType) -> None:
    task_id, result = await run(app.identify, "hello")

    assert not result.is_err, result.error
    value = result.return_value
    assert value["label"] == "hello"
    assert value["task_id"] == task_id  # TaskContext was built from the attempt's TaskInfo
    assert value["same_context_twice"]  # InjectQDependency(T) and Inject[T] give one instance
    assert value["resource_shares_context"]  # so do the dependencies of other services
    assert value["resource_shares_worker"]
    assert value["still_my_context"]  # container.aget() in the task body resolves into it
    # the scoped resource's finalizer ran when the attempt ended, with no exception
    [closed] = await records(app, event="task_closed", task_id=task_id)
    assert closed["scope_id"] == value["scope_id"]
    assert closed["error"] is None


async def test_every_marker_form_is_injected_by_a_real_worker(app: ModuleType) -> None:
    # `taskiq worker` makes its receiver after importing the tasks: it must see InjectQ's
    # wrapper, not a FastAPI marker it would try to resolve itself
    task_id, result = await run(app.markers)
    assert not result.is_err, result.error
    assert result.return_value == {"same": True, "optional": None, "task_id": task_id}

    task_id, result = await run(app.sync_markers, "sync")
    assert not result.is_err, result.error
    assert result.return_value == f"sync {task_id}"


async def test_scoped_instance_is_one_per_task_even_when_tasks_run_concurrently(
    app: ModuleType,
) -> None:
    sent = [await app.identify.kiq(f"concurrent-{index}", delay=0.3) for index in range(12)]
    results = await asyncio.gather(
        *(task.wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05) for task in sent)
    )

    values = [result.return_value for result in results]
    assert [value["task_id"] for value in values] == [task.task_id for task in sent]
    assert len({value["scope_id"] for value in values}) == len(sent)
    assert len({value["resource_id"] for value in values}) == len(sent)
    assert all(value["same_context_twice"] and value["still_my_context"] for value in values)
    closed = {r["task_id"]: r for r in await records(app, event="task_closed")}
    for value in values:  # each finalizer closed its own task's scope
        assert closed[value["task_id"]]["scope_id"] == value["scope_id"]


async def test_singleton_is_one_per_worker_process(app: ModuleType, shared: Shared) -> None:
    values = [(await run(app.identify, f"singleton-{index}"))[1].return_value for index in range(3)]

    (worker_pid,) = shared.worker.children  # the process taskiq forked to run tasks
    assert worker_pid not in (os.getpid(), shared.worker.process.pid)
    assert {value["pid"] for value in values} == {worker_pid}
    assert {value["worker_pid"] for value in values} == {worker_pid}
    assert len({value["worker_id"] for value in values}) == 1
    assert len({value["scope_id"] for value in values}) == 3


async def test_a_failing_tasks_finalizer_sees_its_exception(app: ModuleType) -> None:
    task_id, result = await run(app.fail, 7)

    assert result.is_err
    assert isinstance(result.error, LookupError)
    assert "order 7 not found" in str(result.error)
    [closed] = await records(app, event="task_closed", task_id=task_id)
    assert closed["error"] == f"LookupError: {result.error}"  # thrown in at the `yield`


async def test_a_retried_task_gets_a_new_scope_per_attempt(app: ModuleType) -> None:
    task_id, result = await run(app.flaky, 2)  # fails twice; SimpleRetryMiddleware resends it

    assert not result.is_err, result.error
    assert result.return_value["attempt"] == 2
    attempts = await records(app, event="attempt_started", task_id=task_id)
    assert [r["attempt"] for r in attempts] == [0, 1, 2]  # one task id, three attempts
    assert len({r["scope_id"] for r in attempts}) == 3  # a fresh scope for each
    assert len({r["resource_id"] for r in attempts}) == 3
    assert attempts[-1]["scope_id"] == result.return_value["scope_id"]


async def test_every_attempt_of_a_retried_task_closes_its_scope_with_its_exception(
    app: ModuleType,
) -> None:
    task_id, result = await run(app.flaky, 2)
    assert not result.is_err, result.error

    # scopes close in post_execute, before the result is stored: nothing to wait for
    closed = await records(app, event="task_closed", task_id=task_id)
    assert [(r["attempt"], r["error"]) for r in closed] == [
        (0, "ConnectionError: attempt 0 failed"),
        (1, "ConnectionError: attempt 1 failed"),
        (2, None),
    ]


async def test_a_forged_message_cannot_replace_an_injected_service(app: ModuleType) -> None:
    # kicked as raw bytes: the sender-side check of .kiq() never saw it
    message = TaskiqMessage(
        task_id=uuid.uuid4().hex,
        task_name="e2e.identify",
        labels={},
        args=["forged"],
        kwargs={"worker": {"id": "not a service"}},
    )
    await app.broker.kick(app.broker.formatter.dumps(message))
    task: AsyncTaskiqTask[Any] = AsyncTaskiqTask(message.task_id, app.broker.result_backend)
    result = await task.wait_result(timeout=RESULT_TIMEOUT, check_interval=0.05)

    assert result.is_err
    assert isinstance(result.error, InjectQError), result.error
    assert "'worker'" in str(result.error)


async def test_a_failed_task_retried_by_the_scheduler_runs_again_in_a_fresh_scope(
    app: ModuleType,
) -> None:
    scheduler = app.scheduler
    sent = await scheduler.schedule_task(app.fragile, 1)  # fails once, no automatic retry
    failed = await scheduler.wait_result(sent.task_id, timeout=RESULT_TIMEOUT)

    assert not failed.success
    assert isinstance(failed.error, TimeoutError)
    assert (failed.task_name, failed.retry_count) == ("e2e.fragile", 0)
    await scheduler.retry_task(failed.task_id)
    retried = await scheduler.wait_result(sent.task_id, timeout=RESULT_TIMEOUT)

    assert retried.success, retried.error
    assert (retried.task_id, retried.retry_count) == (sent.task_id, 1)
    assert retried.result["attempt"] == 1
    closed = await records(app, event="task_closed", task_id=sent.task_id)
    assert [(r["attempt"], r["error"]) for r in closed] == [
        (0, "TimeoutError: attempt 0 timed out"),
        (1, None),
    ]
    assert closed[0]["scope_id"] != closed[1]["scope_id"] == retried.result["scope_id"]


async def test_schedules_added_at_run_time_fire_through_the_scheduler_process(
    app: ModuleType, shared: Shared
) -> None:
    scheduler = app.scheduler  # its dynamic source: the ListRedisScheduleSource the
    tag = uuid.uuid4().hex[:8]  # `taskiq scheduler` process reads every second

    # a cron schedule that never ran is due at once ("* * * * *"), then once a minute
    cron = await scheduler.schedule_cron(app.scheduled, f"cron-{tag}", cron="* * * * *")
    interval = await scheduler.schedule_task(app.scheduled, f"interval-{tag}", interval=1)
    at = datetime.now(UTC) + timedelta(seconds=1)
    one_off = await scheduler.schedule_task(app.scheduled, f"time-{tag}", time=at)
    try:
        cron_runs = await wait_for_records(app, 1, event="scheduled_ran", tag=f"cron-{tag}")
        time_runs = await wait_for_records(app, 1, event="scheduled_ran", tag=f"time-{tag}")
        interval_runs = await wait_for_records(app, 3, event="scheduled_ran", tag=f"interval-{tag}")
    finally:
        for schedule in (cron, interval, one_off):
            await schedule.unschedule()

    assert len(cron_runs) == 1
    assert len(interval_runs) >= 3
    # the interval ran twice more after the one-off time: that did not fire again
    assert len(await records(app, event="scheduled_ran", tag=f"time-{tag}")) == 1
    runs = cron_runs + time_runs + interval_runs
    assert len({r["scope_id"] for r in runs}) == len(runs)  # each run has a scope of its own
    assert {r["pid"] for r in runs} == set(shared.worker.children)
    assert shared.scheduler.running


# ---------------------------------------------------------------------------------------------
# shutdown: workers of their own, on queues of their own


async def test_workers_shut_down_cleanly_on_sigterm_and_sigint_closing_their_singletons(
    redis_server: RedisServer, processes: ProcessStarter
) -> None:
    # SIGTERM to the main process (systemd, docker stop), SIGINT to the group (Ctrl-C)
    signals = {"sigterm": (signal.SIGTERM, False), "sigint": (signal.SIGINT, True)}
    namespaces = {name: f"shutdown-{name}-{uuid.uuid4().hex[:6]}" for name in signals}
    workers = {
        name: processes.start_worker(redis_server.url, namespace)
        for name, namespace in namespaces.items()
    }
    apps = {name: load_app(redis_server.url, namespace) for name, namespace in namespaces.items()}
    seen: dict[str, dict[str, Any]] = {}
    for name, app in apps.items():
        workers[name].wait_started()
        await app.broker.startup()
        try:
            values = [(await run(app.identify, name))[1].return_value for _ in range(2)]
        finally:
            await app.broker.shutdown()
        assert values[0]["worker_id"] == values[1]["worker_id"]
        seen[name] = values[0]

    started = time.monotonic()
    for name, (signum, to_group) in signals.items():
        workers[name].process.send(signum, group=to_group)
    for name, worker in workers.items():
        code = worker.process.wait(max(0.0, STOP_TIMEOUT - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        assert code == 0, f"{name}: the worker did not exit cleanly within {STOP_TIMEOUT}s"
        print(f"{name}: worker exited {elapsed:.1f}s after the signal")
        assert await records(apps[name], event="worker_closed") == [
            {
                "event": "worker_closed",
                "pid": seen[name]["pid"],
                "worker_id": seen[name]["worker_id"],
            }
        ]
        output = worker.process.output()
        assert "Traceback" not in output
        assert "cannot be completed" not in output  # taskiq's broker shutdown timeout


# ---------------------------------------------------------------------------------------------
# the same module on taskiq's InMemoryBroker


async def test_the_same_task_module_runs_unchanged_on_the_in_memory_broker(
    tmp_path: Path,
) -> None:
    app = load_app(None, "in-memory", record_dir=tmp_path)
    assert type(app.broker).__name__ == "InMemoryBroker"
    await app.broker.startup()
    try:
        (_, first), (_, second) = await asyncio.gather(
            run(app.identify, "one", delay=0.1), run(app.identify, "two", delay=0.1)
        )
        failed_id, failed = await run(app.fail, 9)
        retried_id, retried = await run(app.flaky, 2)
        executed = await app.scheduler.execute_task(app.identify, "executed")
    finally:
        await app.broker.shutdown()  # runs the worker-shutdown event: singletons close

    one, two = first.return_value, second.return_value
    assert one["same_context_twice"]
    assert one["resource_shares_context"]
    assert one["still_my_context"]
    assert one["scope_id"] != two["scope_id"]
    assert one["worker_id"] == two["worker_id"]
    assert one["pid"] == os.getpid()  # in process, through taskiq's real receiver
    assert executed["worker_id"] == one["worker_id"]
    assert executed["scope_id"] not in (one["scope_id"], two["scope_id"])
    assert isinstance(failed.error, LookupError)
    [closed] = await records(app, event="task_closed", task_id=failed_id)
    assert closed["error"] == f"LookupError: {failed.error}"
    assert retried.return_value["attempt"] == 2
    attempts = await records(app, event="attempt_started", task_id=retried_id)
    assert [r["attempt"] for r in attempts] == [0, 1, 2]
    assert len({r["scope_id"] for r in attempts}) == 3
    assert await records(app, event="worker_closed") == [
        {"event": "worker_closed", "pid": os.getpid(), "worker_id": one["worker_id"]}
    ]
