"""The worker-modes matrix: InjectQ on real `taskiq worker` processes, one row per way to run them.

Each row starts `taskiq worker tests.e2e.modes_app:broker <flags>` on a `RedisStreamBroker`,
sends tasks from the test process, stops the worker, and reads what the worker's processes
recorded in a file (tests/e2e/modes_app.py): the scope each attempt opened, its finalizer, and
each process's singleton. `check()` holds every row to the same rules:

- a scope per attempt: every task body ran in a scope opened for it alone;
- every finalizer once, after its scope opened, seeing the exception its task raised (or none);
- per process, the singleton made once and closed once, after the last scope of that process
  (no scope opens in a process after its singleton closed);
- a result for every task (taskiq acknowledged them all), from one of the task's attempts.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis
from redis.asyncio import Redis

from tests._servers import free_port, require_redis_server

from ._harness import START_TIMEOUT, STOP_TIMEOUT, load_app

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

    from taskiq import TaskiqResult

    from tests._servers import RedisServer

    from ._harness import ProcessStarter, Worker

MODES_APP_FILE = Path(__file__).with_name("modes_app.py")
MODES_APP_MODULE = "tests.e2e.modes_app"
RESULT_TIMEOUT = 20.0


def failure(task_id: str) -> str:
    """What a task sent with `fail=True` raises (and its finalizer sees)."""
    return f"ValueError: task {task_id} failed on purpose"


class Row:
    """One row: its namespace (queue, consumer group, results, records file), its workers and
    the sending side (the same module, loaded in the test process)."""

    def __init__(
        self,
        name: str,
        redis_url: str,
        processes: ProcessStarter,
        record_dir: Path,
        monkeypatch: pytest.MonkeyPatch,
        broker: str = "stream",
    ) -> None:
        self.namespace = f"modes-{name}-{uuid.uuid4().hex[:6]}"
        self.redis_url = redis_url
        self.processes = processes
        # the worker processes inherit these (`_harness.process_env` copies the environment)
        monkeypatch.setenv("INJECTQ_E2E_RECORD_DIR", str(record_dir))
        monkeypatch.setenv("INJECTQ_E2E_MODES_BROKER", broker)
        self.app: ModuleType = load_app(
            redis_url, self.namespace, record_dir=record_dir, app_file=MODES_APP_FILE
        )
        #: task id -> whether it was sent to fail
        self.sent: dict[str, bool] = {}

    def start_worker(self, *arguments: str, workers: int = 1) -> Worker:
        return self.processes.start_worker(
            self.redis_url, self.namespace, workers=workers, app=MODES_APP_MODULE,
            arguments=arguments,
        )  # fmt: skip

    async def __aenter__(self) -> Row:
        await self.app.broker.startup()  # creates the consumer group before anything is sent
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.app.broker.shutdown()

    async def send(self, task_name: str, seconds: float, *, fail: bool = False) -> str:
        task = getattr(self.app, task_name)
        sent = await task.kiq(seconds, fail)
        self.sent[sent.task_id] = fail
        return str(sent.task_id)

    async def send_plain(self, value: int) -> str:
        sent = await self.app.plain_sync.kiq(value)
        return str(sent.task_id)

    async def result(self, task_id: str) -> TaskiqResult[Any] | None:
        backend = self.app.broker.result_backend
        if not await backend.is_result_ready(task_id):
            return None
        found: TaskiqResult[Any] = await backend.get_result(task_id)
        return found

    async def wait_results(
        self, task_ids: Sequence[str] | None = None, within: float = RESULT_TIMEOUT
    ) -> dict[str, TaskiqResult[Any] | None]:
        """The results of `task_ids` (default: every task sent), waiting up to `within` s for
        them (a missing one is None)."""
        ids = list(self.sent if task_ids is None else task_ids)
        found: dict[str, TaskiqResult[Any] | None] = dict.fromkeys(ids)
        deadline = time.monotonic() + within
        while True:
            for task_id in ids:
                if found[task_id] is None:
                    found[task_id] = await self.result(task_id)
            if all(value is not None for value in found.values()):
                return found
            if time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.05)

    def records(self, **match: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.app.read_records(self.app.settings)
        return [r for r in found if all(r.get(key) == value for key, value in match.items())]

    async def wait_for_records(self, count: int, **match: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + RESULT_TIMEOUT
        while True:
            found = self.records(**match)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.05)

    async def reconnect(self) -> None:
        """Drop the sender's connections to a Redis that restarted (they are closed)."""
        await self.app.broker.connection_pool.disconnect()
        await self.app.broker.result_backend.redis_pool.disconnect()

    async def pending(self) -> int:
        """Messages the consumer group has delivered and not had acknowledged."""
        client = Redis.from_url(self.redis_url)
        try:
            summary = await client.xpending(self.app.settings.stream, self.app.settings.group)
        finally:
            await client.aclose()
        return int(summary["pending"])


def wait_listening(worker: Worker, count: int) -> None:
    """Wait until `count` worker processes listen (`Worker.wait_started` waits for one)."""
    deadline = time.monotonic() + START_TIMEOUT
    while worker.process.output().count("Listening started") < count:
        if not worker.process.running or time.monotonic() > deadline:
            pytest.fail(f"{count} worker processes did not start:\n{worker.process.describe()}")
        time.sleep(0.05)


def stop(worker: Worker) -> tuple[int, float]:
    """SIGTERM to the main process (as `docker stop` sends it); its exit code and how long it
    took."""
    started = time.monotonic()
    code = worker.process.stop(signal.SIGTERM, STOP_TIMEOUT)
    return code, time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# the rules every row is held to


class Checked:
    """What `check()` found, for a row's own assertions."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        #: pid -> the scopes opened in that process
        self.scopes_by_pid: dict[int, list[dict[str, Any]]] = {}
        #: task id -> the scopes its attempts opened
        self.attempts: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            if record["event"] == "scope_opened":
                self.scopes_by_pid.setdefault(record["pid"], []).append(record)
                self.attempts.setdefault(record["task_id"], []).append(record)

    def peak(self, pid: int) -> int:
        """The most task bodies that ran at once in process `pid`."""
        running = peak = 0
        for record in self.records:
            if record["pid"] == pid and record["event"] == "started":
                running += 1
                peak = max(peak, running)
            elif record["pid"] == pid and record["event"] == "ended":
                running -= 1
        return peak


def check(
    records: list[dict[str, Any]],
    sent: dict[str, bool],
    results: dict[str, TaskiqResult[Any] | None],
) -> Checked:
    """Hold a row's records and results to the rules of the module docstring; fail with every
    broken rule at once."""
    problems: list[str] = []
    indexed = list(enumerate(records))

    def where(event: str, **match: Any) -> list[tuple[int, dict[str, Any]]]:
        return [
            (index, r)
            for index, r in indexed
            if r["event"] == event and all(r.get(k) == v for k, v in match.items())
        ]

    opened = where("scope_opened")
    scope_ids = [r["scope_id"] for _, r in opened]
    if len(set(scope_ids)) != len(scope_ids):
        problems.append(f"a scope id was opened twice: {scope_ids}")
    for index, scope in opened:
        scope_id, task_id = scope["scope_id"], scope["task_id"]
        closed = where("finalized", scope_id=scope_id)
        if len(closed) != 1:
            problems.append(f"scope {scope_id} (task {task_id}) finalized {len(closed)} times")
        expected = failure(task_id) if sent.get(task_id) else None
        for closed_at, record in closed:
            if closed_at < index:
                problems.append(f"scope {scope_id} finalized before it opened")
            if record["error"] != expected:
                problems.append(
                    f"the finalizer of task {task_id} saw {record['error']!r}, not {expected!r}"
                )
            if record["pid"] != scope["pid"]:
                problems.append(f"scope {scope_id} opened in {scope['pid']}, closed elsewhere")
        bodies = where("started", scope_id=scope_id)
        if len(bodies) != 1:
            problems.append(f"scope {scope_id} (task {task_id}) served {len(bodies)} bodies")
    for _, body in where("started"):
        if body["scope_id"] not in scope_ids:
            problems.append(f"a body of task {body['task_id']} ran outside any attempt's scope")

    for task_id, fail in sent.items():
        attempts = [r for _, r in opened if r["task_id"] == task_id]
        if not attempts:
            problems.append(f"task {task_id} never opened a scope")
        result = results.get(task_id)
        if result is None:
            problems.append(f"no result for task {task_id}")
        elif fail:
            if not result.is_err or f"ValueError: {result.error}" != failure(task_id):
                problems.append(f"task {task_id} should have failed: {result!r}")
        elif result.is_err:
            problems.append(f"task {task_id} failed: {result.error!r}")
        elif result.return_value["scope_id"] not in {r["scope_id"] for r in attempts}:
            problems.append(f"the result of task {task_id} is from no attempt of it")

    for pid in sorted({r["pid"] for r in records}):
        made = where("singleton_made", pid=pid)
        closed = where("singleton_closed", pid=pid)
        mine = [
            index for index, r in indexed if r["pid"] == pid and r["event"] != "singleton_closed"
        ]
        scopes = where("scope_opened", pid=pid)
        if scopes and len(made) != 1:
            problems.append(f"process {pid}: singleton made {len(made)} times")
        if len(closed) != len(made) or len(closed) > 1:
            problems.append(
                f"process {pid}: singleton made {len(made)} times, closed {len(closed)} times"
            )
        if closed and mine and closed[0][0] < max(mine):
            after = [records[i] for i in mine if i > closed[0][0]]
            problems.append(f"process {pid}: singleton closed before {after}")

    if problems:
        listing = "\n".join(json.dumps(r) for r in records)
        pytest.fail("\n".join(problems) + f"\n--- records ---\n{listing}", pytrace=False)
    return Checked(records)


# ---------------------------------------------------------------------------------------------
# the rows


@pytest.fixture
def row_factory(
    redis_server: RedisServer,
    processes: ProcessStarter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    def make(name: str, redis_url: str | None = None) -> Row:
        return Row(name, redis_url or redis_server.url, processes, tmp_path, monkeypatch)

    return make


@pytest.mark.timeout(60)
async def test_two_workers_with_four_async_tasks_each(row_factory: Any) -> None:
    row: Row = row_factory("workers2")
    worker = row.start_worker("--max-async-tasks", "4", workers=2)
    worker.wait_started()
    wait_listening(worker, 2)
    async with row:
        for index in range(10):
            await row.send("hold", 0.4, fail=index == 3)
        await row.wait_results()
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
    checked = check(row.records(), row.sent, results)

    assert code == 0, worker.process.describe()
    assert set(checked.scopes_by_pid) == set(worker.children)  # both worker processes ran tasks
    peaks = [checked.peak(pid) for pid in worker.children]
    assert max(peaks) == 4, f"at most --max-async-tasks at once in each process: {peaks}"


@pytest.mark.timeout(60)
async def test_max_tasks_per_child_replaces_workers_each_closing_its_own_singleton(
    row_factory: Any,
) -> None:
    row: Row = row_factory("per-child")
    worker = row.start_worker("--max-tasks-per-child", "3")
    worker.wait_started()
    async with row:
        for _ in range(7):
            await row.send("hold", 0.1)
        await row.wait_results()
        replaced = row.records(event="singleton_closed")  # before the test stops anything
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
    checked = check(row.records(), row.sent, results)

    assert code == 0, worker.process.describe()
    # three tasks per child: two children replaced, the third one stopped by the test
    assert [len(scopes) for scopes in checked.scopes_by_pid.values()] == [3, 3, 1]
    assert len(replaced) == 2
    assert checked.scopes_by_pid.keys() == {r["pid"] for r in row.records(event="singleton_closed")}


@pytest.mark.timeout(60)
async def test_sync_tasks_on_a_threadpool_of_two(row_factory: Any) -> None:
    row: Row = row_factory("threads")
    worker = row.start_worker("--max-threadpool-threads", "2")
    worker.wait_started()
    async with row:
        for index in range(6):
            await row.send("sync_hold", 0.3, fail=index == 2)
        await row.wait_results()
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
    checked = check(row.records(), row.sent, results)

    assert code == 0, worker.process.describe()
    [pid] = worker.children
    assert checked.peak(pid) == 2
    threads = {r["thread"] for r in row.records(event="started")}
    assert len(threads) == 2, threads
    assert "MainThread" not in threads


@pytest.mark.timeout(60)
async def test_sync_tasks_on_a_process_pool(row_factory: Any) -> None:
    row: Row = row_factory("process-pool")
    worker = row.start_worker("--use-process-pool", "--max-process-pool-processes", "2")
    worker.wait_started()
    async with row:
        # an async task first: the worker process has made its singleton before the pool
        # forks its processes
        await row.wait_results([await row.send("hold", 0.05)])
        plain = await row.send_plain(21)
        await row.send("sync_hold", 0.1)
        await row.send("sync_hold", 0.1, fail=True)
        await row.wait_results([*row.sent, plain])
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
        plain_result = await row.result(plain)
    [pid] = worker.children

    assert plain_result is not None, "the plain sync task stored no result"
    assert not plain_result.is_err, plain_result.error
    assert plain_result.return_value["value"] == 42
    assert plain_result.return_value["pid"] != pid  # it ran in a process of the pool
    check(row.records(), row.sent, results)
    assert code == 0, worker.process.describe()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("ack_type", ["when_received", "when_executed", "when_saved"])
async def test_ack_types(row_factory: Any, ack_type: str) -> None:
    row: Row = row_factory(ack_type.replace("_", "-"))
    worker = row.start_worker("--ack-type", ack_type)
    worker.wait_started()
    async with row:
        for fail in (False, True, False):  # one at a time: one message pending at most
            task_id = await row.send("hold", 0.05, fail=fail)
            await row.wait_results([task_id])
        deadline = time.monotonic() + RESULT_TIMEOUT
        left = await row.pending()  # when_saved acknowledges just after storing the result
        while left and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            left = await row.pending()
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
    check(row.records(), row.sent, results)

    assert code == 0, worker.process.describe()
    assert left == 0, "every message was acknowledged in the end"
    # when_received acknowledges before the task runs; the others after its scope closed
    expected = 0 if ack_type == "when_received" else 1
    assert [r["pending"] for r in row.records(event="finalized")] == [expected] * 3


class RestartableRedis:
    """A redis-server of the test's own, that keeps its data (append-only file) across a
    restart on the same port."""

    def __init__(self, directory: Path) -> None:
        self.executable = require_redis_server()
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        command = [
            self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--appendonly", "yes",
            "--appendfsync", "always", "--daemonize", "no", "--logfile", "",
        ]  # fmt: skip
        with (self.directory / "redis-server.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        log_text = (self.directory / "redis-server.log").read_text()
                        pytest.fail(f"redis-server did not start:\n{log_text}")
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # it writes its append-only file and exits
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Any:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RestartableRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("task_seconds", "down_for"),
    [
        pytest.param(2.0, 0.5, id="back-while-the-task-runs"),
        pytest.param(0.5, 1.5, id="back-after-the-task-ended"),
    ],
)
async def test_redis_restarting_while_a_task_runs_does_not_wedge_the_worker(
    row_factory: Any, restartable_redis: RestartableRedis, task_seconds: float, down_for: float
) -> None:
    row: Row = row_factory("redis-restart", restartable_redis.url)
    worker = row.start_worker()
    worker.wait_started()
    async with row:
        running = await row.send("hold", task_seconds)
        await row.wait_for_records(1, event="started", task_id=running)
        restartable_redis.stop()
        await asyncio.sleep(down_for)
        restartable_redis.start()
        await row.reconnect()
        later = [await row.send("hold", 0.05) for _ in range(3)]
        results = await row.wait_results(later)
        # a message left pending by a worker that died is claimed after the idle timeout,
        # when a fetch returns new messages: each ping is such a fetch
        deadline = time.monotonic() + RESULT_TIMEOUT
        while await row.result(running) is None and time.monotonic() < deadline:
            ping = await row.send("hold", 0.0)
            await row.wait_results([ping])
            await asyncio.sleep(0.3)
        restarted = "restarted with pid" in worker.process.output()
        code, _ = stop(worker)
        results = await row.wait_results(within=0)
    attempts = len(row.records(event="scope_opened", task_id=running))
    print(f"worker process restarted: {restarted}; attempts of the running task: {attempts}")
    assert all(results[task_id] is not None for task_id in later), "later tasks were processed"
    check(row.records(), row.sent, results)
    assert code == 0, worker.process.describe()
    assert attempts in (1, 2)  # a second one when the first was never acknowledged


@pytest.mark.timeout(60)
async def test_sigterm_with_tasks_in_flight(row_factory: Any) -> None:
    row: Row = row_factory("sigterm")
    worker = row.start_worker("--max-async-tasks", "4")
    worker.wait_started()
    async with row:
        for _ in range(3):
            await row.send("hold", 1.5)
        await row.send("sync_hold", 1.5)
        await row.wait_for_records(4, event="started")
        assert not row.records(event="ended"), "the tasks were still running"
        code, elapsed = stop(worker)
        results = await row.wait_results(within=0)
    checked = check(row.records(), row.sent, results)

    print(f"the worker exited {elapsed:.1f}s after SIGTERM")
    assert code == 0, worker.process.describe()
    [pid] = worker.children
    assert len(checked.scopes_by_pid[pid]) == 4
    assert "Traceback" not in worker.process.output()
