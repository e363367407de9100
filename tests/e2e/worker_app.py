"""The task module of the distributed tests, as an application would write it.

One module serves every process: `taskiq worker tests.e2e.worker_app:broker`,
`taskiq scheduler tests.e2e.worker_app:scheduler` and the test process that sends tasks. The
environment picks the infrastructure, the code does not change:

- `INJECTQ_E2E_REDIS_URL` set: taskiq-redis `ListQueueBroker` + `RedisAsyncResultBackend`,
  `ListRedisScheduleSource` for InjectQ's `TaskiqScheduler`, and records in a Redis list;
- unset: taskiq's `InMemoryBroker`, the scheduler's in-memory sources, and records in a file
  in `INJECTQ_E2E_RECORD_DIR` (a temporary directory when unset).

`INJECTQ_E2E_NAMESPACE` separates workers that share one Redis (queue, records, schedules).

Records are what finalizers leave behind for the tests to read after the fact: a task
attempt's scoped resource records its scope and whether it saw an exception; the worker's
singleton records its process when the worker shuts down.
"""

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Protocol

from redis.asyncio import Redis
from taskiq import AsyncBroker, InMemoryBroker, SimpleRetryMiddleware
from taskiq_redis import ListQueueBroker, ListRedisScheduleSource, RedisAsyncResultBackend

import injectq
from injectq import Binder, InjectQ, Module, provider, scoped, singleton
from injectq_fastapi import InjectQDependency as FastAPIDependency
from injectq_taskiq import (
    Inject,
    InjectQDependency,
    TaskInfo,
    TaskiqScheduler,
    setup_taskiq_integration,
)

# ---------------------------------------------------------------------------------------------
# settings (from the environment, read once at import)


class Settings:
    def __init__(self) -> None:
        self.redis_url = os.environ.get("INJECTQ_E2E_REDIS_URL") or None
        self.namespace = os.environ.get("INJECTQ_E2E_NAMESPACE", "default")
        directory = os.environ.get("INJECTQ_E2E_RECORD_DIR") or tempfile.gettempdir()
        self.record_file = Path(directory) / f"injectq-e2e-{self.namespace}.jsonl"

    @property
    def prefix(self) -> str:
        return f"injectq-e2e:{self.namespace}"


# ---------------------------------------------------------------------------------------------
# services


class Recorder(Protocol):
    """Where finalizers leave records (a Redis list, or a JSON-lines file)."""

    async def record(self, **fields: Any) -> None: ...

    async def read(self) -> list[dict[str, Any]]: ...


class RedisRecorder:
    def __init__(self, client: Redis, key: str) -> None:
        self.client = client
        self.key = key

    async def record(self, **fields: Any) -> None:
        await self.client.rpush(self.key, json.dumps(fields))

    async def read(self) -> list[dict[str, Any]]:
        raw: list[bytes | str] = await self.client.lrange(self.key, 0, -1)
        return [json.loads(item) for item in raw]


class FileRecorder:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def record(self, **fields: Any) -> None:
        line = json.dumps(fields) + "\n"
        # one write() of a short line in append mode: records of concurrent tasks do not mix
        with self.path.open("a") as file:
            file.write(line)

    async def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]


@asynccontextmanager
async def open_recorder(settings: Settings) -> AsyncGenerator[Recorder]:
    """The recorder the environment asks for (the tests read records through one too)."""
    if settings.redis_url is None:
        yield FileRecorder(settings.record_file)
        return
    client = Redis.from_url(settings.redis_url)
    try:
        yield RedisRecorder(client, f"{settings.prefix}:records")
    finally:
        await client.aclose()


class WorkerIdentity:
    """A singleton: one per worker process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.id = uuid.uuid4().hex


@scoped
class TaskContext:
    """One per task attempt; built from the attempt's `TaskInfo` (a scope context value)."""

    def __init__(self, info: TaskInfo) -> None:
        self.id = uuid.uuid4().hex
        self.task_id = info.task_id
        self.attempt = info.retry_count


class TaskResource:
    """A scoped resource with a finalizer (an async generator provider below)."""

    def __init__(self, context: TaskContext, worker: WorkerIdentity) -> None:
        self.id = uuid.uuid4().hex
        self.context = context
        self.worker = worker


# ---------------------------------------------------------------------------------------------
# modules


class InfrastructureModule(Module):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configure(self, binder: Binder) -> None:
        binder[Settings] = self.settings

    @singleton
    @provider
    async def recorder(self, settings: Settings) -> AsyncIterator[Recorder]:
        async with open_recorder(settings) as recorder:
            yield recorder


class TaskModule(Module):
    @singleton
    @provider
    async def worker_identity(self, recorder: Recorder) -> AsyncIterator[WorkerIdentity]:
        identity = WorkerIdentity()
        yield identity
        # runs when the container closes: on the worker's shutdown
        await recorder.record(event="worker_closed", pid=identity.pid, worker_id=identity.id)

    @provider(scope="scoped")
    async def task_resource(
        self, context: TaskContext, worker: WorkerIdentity, recorder: Recorder
    ) -> AsyncIterator[TaskResource]:
        resource = TaskResource(context, worker)
        error: str | None = None
        try:
            yield resource
        except BaseException as exception:  # the task's exception, thrown in by InjectQ
            error = f"{type(exception).__name__}: {exception}"
            raise
        finally:
            await recorder.record(
                event="task_closed",
                pid=os.getpid(),
                task_id=context.task_id,
                attempt=context.attempt,
                scope_id=context.id,
                resource_id=resource.id,
                error=error,
            )


def create_container(settings: Settings) -> InjectQ:
    container = InjectQ()
    container.install(InfrastructureModule(settings))
    container.install(TaskModule())
    return container


# ---------------------------------------------------------------------------------------------
# broker, container, scheduler


def create_broker(settings: Settings) -> AsyncBroker:
    retries = SimpleRetryMiddleware(default_retry_count=3)
    if settings.redis_url is None:
        return InMemoryBroker().with_middlewares(retries)
    return (
        ListQueueBroker(settings.redis_url, queue_name=f"{settings.prefix}:queue")
        .with_result_backend(
            RedisAsyncResultBackend(settings.redis_url, prefix_str=settings.prefix)
        )
        .with_middlewares(retries)
    )


def create_scheduler(settings: Settings, broker: AsyncBroker) -> TaskiqScheduler:
    """InjectQ's TaskiqScheduler; with Redis, its run-time schedules live in Redis where the
    `taskiq scheduler` process reads them (in memory: the default, in-process sources)."""
    if settings.redis_url is None:
        return TaskiqScheduler(broker)
    source = ListRedisScheduleSource(settings.redis_url, prefix=f"{settings.prefix}:schedule")
    return TaskiqScheduler(broker, [source])


settings = Settings()
container = create_container(settings)
broker = create_broker(settings)
scheduler = create_scheduler(settings, broker)
setup_taskiq_integration(scheduler, container)


# ---------------------------------------------------------------------------------------------
# tasks (explicit names: the test process may load this file under another module name)


@scheduler.task("e2e.identify")
async def identify(
    label: str,
    context_again: Inject[TaskContext],
    delay: float = 0.0,
    context: TaskContext = InjectQDependency(TaskContext),
    resource: TaskResource = InjectQDependency(TaskResource),
    worker: WorkerIdentity = InjectQDependency(WorkerIdentity),
) -> dict[str, Any]:
    """Report what was injected; sleep in between so that concurrent tasks interleave."""
    await asyncio.sleep(delay)
    return {
        "label": label,
        "pid": os.getpid(),
        "worker_id": worker.id,
        "worker_pid": worker.pid,
        "task_id": context.task_id,
        "scope_id": context.id,
        "resource_id": resource.id,
        "same_context_twice": context is context_again,
        "resource_shares_context": resource.context is context,
        "resource_shares_worker": resource.worker is worker,
        "still_my_context": await container.aget(TaskContext) is context,
    }


class Unprovided(Protocol):
    """Bound nowhere (and a Protocol, so not autowired): an optional parameter of it gets
    None."""

    def lookup(self) -> str: ...


@scheduler.task("e2e.markers")
async def markers(
    core: injectq.Inject[TaskContext],
    fastapi_marker: Annotated[TaskContext, FastAPIDependency()],
    optional: injectq.Inject[Unprovided | None],
) -> dict[str, Any]:
    """Every other marker form, read by the InjectQ wrapper the worker's receiver sees (a
    FastAPI marker would otherwise be resolved by taskiq's own dependency graph)."""
    return {"same": core is fastapi_marker, "optional": optional, "task_id": core.task_id}


@scheduler.task("e2e.sync_markers")
def sync_markers(label: str, context: Annotated[TaskContext, FastAPIDependency()]) -> str:
    return f"{label} {context.task_id}"


@scheduler.task("e2e.fail")
async def fail(order_id: int, resource: Inject[TaskResource]) -> None:
    raise LookupError(f"order {order_id} not found (scope {resource.context.id})")


@scheduler.task("e2e.flaky", retry_on_error=True, max_retries=3)
async def flaky(
    failures: int,
    context: Inject[TaskContext],
    resource: Inject[TaskResource],
    recorder: Inject[Recorder],
) -> dict[str, Any]:
    """Fail on the first `failures` attempts (SimpleRetryMiddleware sends it again)."""
    await recorder.record(
        event="attempt_started",
        task_id=context.task_id,
        attempt=context.attempt,
        scope_id=context.id,
        resource_id=resource.id,
    )
    if context.attempt < failures:
        raise ConnectionError(f"attempt {context.attempt} failed")
    return {"attempt": context.attempt, "scope_id": context.id, "resource_id": resource.id}


@scheduler.task("e2e.fragile")
async def fragile(
    failures: int, context: Inject[TaskContext], resource: Inject[TaskResource]
) -> dict[str, Any]:
    """No automatic retries: fails on its first `failures` attempts (see `retry_task`)."""
    if context.attempt < failures:
        raise TimeoutError(f"attempt {context.attempt} timed out")
    return {"attempt": context.attempt, "scope_id": context.id, "resource_id": resource.id}


@scheduler.task("e2e.scheduled")
async def scheduled(
    tag: str,
    context: Inject[TaskContext],
    recorder: Inject[Recorder],
    worker: Inject[WorkerIdentity],
) -> str:
    await recorder.record(
        event="scheduled_ran",
        tag=tag,
        pid=os.getpid(),
        worker_id=worker.id,
        task_id=context.task_id,
        scope_id=context.id,
    )
    return tag
