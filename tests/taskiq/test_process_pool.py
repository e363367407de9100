"""`taskiq worker --use-process-pool`: sync tasks run in pool processes, each attempt in a
scope of the process that runs it.

The worker makes `Receiver(broker, executor=ProcessPoolExecutor(...))` (taskiq/cli/worker/
run.py), and the receiver sees `is_process_pool` from the executor's type; the tasks live in
an importable module (tests/taskiq/pool_app.py) as they do under `taskiq worker`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from taskiq import TaskiqResult
from taskiq.receiver import Receiver

from tests._journal import Journal, until
from tests.taskiq import pool_app


@pytest.fixture(
    params=[
        # Python 3.12+ warns that forking a process with threads may deadlock the child; the
        # fork case is here because users do fork worker pools (the docs advise spawn)
        pytest.param(
            "fork",
            marks=pytest.mark.filterwarnings(
                "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
            ),
        ),
        "spawn",
    ]
)
def pool(request: pytest.FixtureRequest) -> Iterator[ProcessPoolExecutor]:
    method: str = request.param
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(1, mp_context=context) as executor:
        yield executor


async def run(receiver: Receiver) -> list[TaskiqResult[Any]]:
    """Hand every sent message to the receiver, as `taskiq worker` does; their results."""
    broker = pool_app.broker
    sent, broker.sent = broker.sent, []
    for message in sent:
        await receiver.callback(message.message)
    return [broker.kept.results[message.task_id] for message in sent]


@pytest.mark.timeout(60)
async def test_a_plain_sync_task_runs_in_a_process_pool(pool: ProcessPoolExecutor) -> None:
    receiver = Receiver(pool_app.broker, executor=pool)
    assert receiver.is_process_pool
    await pool_app.add.kiq(2, 3)
    [result] = await run(receiver)
    assert not result.is_err, result.error
    assert result.return_value == 5


@pytest.mark.timeout(60)
async def test_an_injected_sync_task_gets_a_scope_in_the_pool_process(
    pool: ProcessPoolExecutor, tmp_path: Path
) -> None:
    receiver = Receiver(pool_app.broker, executor=pool)
    path = tmp_path / "journal"
    sent = await pool_app.where.kicker().with_labels(tenant="acme").kiq(str(path))
    [result] = await run(receiver)
    assert not result.is_err, result.error
    task_pid, service_pid, other_pid = result.return_value
    assert task_pid != os.getpid()
    assert service_pid == other_pid == task_pid
    assert Journal.read(path) == [
        ["opened", task_pid, sent.task_id, "acme"],
        ["async closed", task_pid],
        ["closed", task_pid, sent.task_id],
    ]


@pytest.mark.timeout(60)
async def test_a_failing_sync_task_in_a_pool_hands_its_error_to_its_finalizers(
    pool: ProcessPoolExecutor, tmp_path: Path
) -> None:
    receiver = Receiver(pool_app.broker, executor=pool)
    path = tmp_path / "journal"
    await pool_app.fails.kiq(str(path))
    [result] = await run(receiver)
    assert result.is_err
    assert isinstance(result.error, ValueError)
    [opened, failed] = Journal.read(path)
    assert failed == ["failed", opened[1], "ValueError"]


@pytest.mark.timeout(90)
async def test_a_taskiq_worker_with_a_process_pool_runs_plain_and_injected_sync_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = tmp_path / "queue"
    queue.mkdir()
    monkeypatch.setenv("INJECTQ_POOL_QUEUE", str(queue))
    path = tmp_path / "journal"
    command = [
        sys.executable, "-m", "taskiq", "worker", "tests.taskiq.pool_app:folder_broker",
        "--workers", "1", "--use-process-pool", "--max-process-pool-processes", "1",
    ]  # fmt: skip
    worker = await asyncio.create_subprocess_exec(
        *command,
        cwd=Path(__file__).parents[2],
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await pool_app.record.kiq(str(path), 2, 3)
        await pool_app.record_service.kiq(str(path))
        await until(lambda: len(Journal.read(path)) >= 4, 60)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            _, errors = await asyncio.wait_for(worker.communicate(), 20)
        except TimeoutError:
            worker.kill()
            _, errors = await worker.communicate()
    events = Journal.read(path)
    assert "PicklingError" not in errors.decode(), errors.decode()
    [summed] = [event for event in events if event[0] == "sum"]
    [served] = [event for event in events if event[0] == "service"]
    [opened] = [event for event in events if event[0] == "opened"]
    [closed] = [event for event in events if event[0] == "closed"]
    pool_pid = summed[1]
    assert pool_pid != worker.pid
    assert served == ["service", pool_pid, pool_pid]
    assert opened[1] == closed[1] == pool_pid


def test_a_sync_tasks_wrapper_is_pickled_by_reference_under_a_name_of_its_own() -> None:
    wrapper = pool_app.where.original_func
    assert wrapper.__qualname__ == "where__taskiq_original__injectq"
    assert pickle.loads(pickle.dumps(wrapper)) is wrapper
