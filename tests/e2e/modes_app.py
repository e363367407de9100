"""The task module of the worker-modes matrix (tests/e2e/test_worker_modes.py).

`taskiq worker tests.e2e.modes_app:broker <flags>` runs its tasks in each row; the test
process loads the same module as the sending side (`_harness.load_app(..., MODES_APP_FILE)`).
The environment names the infrastructure:

- `INJECTQ_E2E_REDIS_URL` (required) and `INJECTQ_E2E_NAMESPACE` (a queue, a consumer group
  and result keys of its own);
- `INJECTQ_E2E_RECORD_DIR` (required): the directory of the records file;
- `INJECTQ_E2E_MODES_BROKER`: `stream` (the default, taskiq-redis `RedisStreamBroker`) or
  `list` (`ListQueueBroker`).

Records go to a JSON-lines file, one `write()` of a short line in append mode each, so that
every process (a worker, its replacements, its process pool) and every thread adds to one
file, in the order the events happened, and a record survives a Redis restart. The events:
`singleton_made` / `singleton_closed` (the worker's singleton, once per process),
`scope_opened` (an attempt's scoped service made: its task id, attempt and scope id),
`started` / `ended` (the task body), `finalized` (the scoped service's finalizer, with the
exception it saw and, on the stream broker, how many messages were pending then).
"""

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis
from taskiq import AsyncBroker
from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend, RedisStreamBroker

from injectq import Binder, InjectQ, Module, provider, singleton
from injectq_taskiq import Inject, TaskInfo, setup_taskiq_integration

#: ms a stream message stays pending with a worker before another worker may claim it
IDLE_TIMEOUT_MS = 1000


class Settings:
    def __init__(self) -> None:
        self.redis_url = os.environ["INJECTQ_E2E_REDIS_URL"]
        self.namespace = os.environ.get("INJECTQ_E2E_NAMESPACE", "modes")
        self.record_file = Path(os.environ["INJECTQ_E2E_RECORD_DIR"]) / f"{self.namespace}.jsonl"
        self.broker_kind = os.environ.get("INJECTQ_E2E_MODES_BROKER", "stream")

    @property
    def prefix(self) -> str:
        return f"injectq-e2e-modes:{self.namespace}"

    @property
    def stream(self) -> str:
        return f"{self.prefix}:stream"

    @property
    def group(self) -> str:
        return f"{self.prefix}:workers"


def record(settings: Settings, event: str, **fields: Any) -> None:
    fields = {
        "event": event,
        "pid": os.getpid(),
        "thread": threading.current_thread().name,
        "time": time.time(),
        **fields,
    }
    with settings.record_file.open("a") as file:
        file.write(json.dumps(fields) + "\n")


def read_records(settings: Settings) -> list[dict[str, Any]]:
    if not settings.record_file.exists():
        return []
    return [json.loads(line) for line in settings.record_file.read_text().splitlines() if line]


def first_delivery(settings: Settings, task_id: str) -> bool:
    """True unless an attempt of this task started before (a message delivered again)."""
    return not any(
        r["event"] == "started" and r["task_id"] == task_id for r in read_records(settings)
    )


def pending_messages(settings: Settings) -> int | None:
    """How many stream messages the consumer group holds unacknowledged (None: unknown)."""
    if settings.broker_kind != "stream":
        return None
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
        try:
            return int(client.xpending(settings.stream, settings.group)["pending"])
        finally:
            client.close()
    except Exception:  # Redis is down (the connection-loss row): not known
        return None


class WorkerResource:
    """A singleton: one per process that runs tasks, closed when its container closes."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.pid = os.getpid()


class Unit:
    """A scoped service: one per task attempt, with a finalizer."""

    def __init__(self, info: TaskInfo, worker: WorkerResource) -> None:
        self.scope_id = uuid.uuid4().hex
        self.task_id = info.task_id
        self.attempt = info.retry_count
        self.worker = worker


class ModesModule(Module):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configure(self, binder: Binder) -> None:
        binder[Settings] = self.settings

    @singleton
    @provider
    def worker_resource(self, settings: Settings) -> Iterator[WorkerResource]:
        resource = WorkerResource()
        record(settings, "singleton_made", worker_id=resource.id)
        yield resource
        record(settings, "singleton_closed", worker_id=resource.id)

    @provider(scope="scoped")
    def unit(self, info: TaskInfo, worker: WorkerResource, settings: Settings) -> Iterator[Unit]:
        unit = Unit(info, worker)
        fields = {"task_id": unit.task_id, "scope_id": unit.scope_id, "worker_id": worker.id}
        record(settings, "scope_opened", attempt=unit.attempt, **fields)
        error: str | None = None
        try:
            yield unit
        except BaseException as exception:  # the task's exception, thrown in by InjectQ
            error = f"{type(exception).__name__}: {exception}"
            raise
        finally:
            pending = pending_messages(settings)
            record(settings, "finalized", error=error, pending=pending, **fields)


def create_broker(settings: Settings) -> AsyncBroker:
    broker: AsyncBroker
    if settings.broker_kind == "list":
        broker = ListQueueBroker(
            settings.redis_url, queue_name=f"{settings.prefix}:queue", socket_timeout=None
        )
    else:
        broker = RedisStreamBroker(
            settings.redis_url,
            queue_name=settings.stream,
            consumer_group_name=settings.group,
            idle_timeout=IDLE_TIMEOUT_MS,
            xread_count=1,  # a worker takes one message per fetch: what it takes it can start
            xread_block=500,  # and notices SIGTERM within half a second
            socket_timeout=None,  # with a socket timeout, the worker can miss its SIGTERM
        )
    return broker.with_result_backend(
        RedisAsyncResultBackend(settings.redis_url, prefix_str=settings.prefix)
    )


settings = Settings()
container = InjectQ()
container.install(ModesModule(settings))
broker = create_broker(settings)
setup_taskiq_integration(broker, container)


def _report(unit: Unit, worker: WorkerResource) -> dict[str, Any]:
    return {
        "task_id": unit.task_id,
        "scope_id": unit.scope_id,
        "pid": os.getpid(),
        "worker_id": worker.id,
        "thread": threading.current_thread().name,
    }


@broker.task("modes.hold")
async def hold(
    seconds: float, fail: bool, unit: Inject[Unit], worker: Inject[WorkerResource]
) -> dict[str, Any]:
    """Sleep `seconds` in the worker's loop (on the first delivery of the message only: a
    message delivered again returns at once); raise when `fail`."""
    if not first_delivery(settings, unit.task_id):
        seconds = 0.0
    record(settings, "started", task_id=unit.task_id, scope_id=unit.scope_id)
    await asyncio.sleep(seconds)
    record(settings, "ended", task_id=unit.task_id, scope_id=unit.scope_id)
    if fail:
        raise ValueError(f"task {unit.task_id} failed on purpose")
    return _report(unit, worker)


@broker.task("modes.sync_hold")
def sync_hold(
    seconds: float, fail: bool, unit: Inject[Unit], worker: Inject[WorkerResource]
) -> dict[str, Any]:
    """`hold` as a sync task: taskiq runs it in its executor (a thread, or a process of its
    pool)."""
    if not first_delivery(settings, unit.task_id):
        seconds = 0.0
    record(settings, "started", task_id=unit.task_id, scope_id=unit.scope_id)
    time.sleep(seconds)
    record(settings, "ended", task_id=unit.task_id, scope_id=unit.scope_id)
    if fail:
        raise ValueError(f"task {unit.task_id} failed on purpose")
    return _report(unit, worker)


@broker.task("modes.plain_sync")
def plain_sync(value: int) -> dict[str, Any]:
    """A sync task that injects nothing."""
    return {"value": value * 2, "pid": os.getpid()}
