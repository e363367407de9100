"""A task module on taskiq-redis's `RedisStreamBroker`, as docs/guides/production.md sets it up.

`taskiq worker tests.e2e.stream_app:broker --ack-type when_saved` runs its tasks; the test
process loads the same module as the sending side (`_harness.load_app(..., STREAM_APP_FILE)`).
The environment names the infrastructure: `INJECTQ_E2E_REDIS_URL` (required) and
`INJECTQ_E2E_NAMESPACE` (a stream, a consumer group, result keys and records of its own).

The stream is read by a consumer group: a message stays pending until the worker that took
it acknowledges it (after the result is stored), and a message left pending by a worker that
died is claimed by another worker once it has been idle for `IDLE_TIMEOUT_MS`. Each delivery
is a new attempt, with a new InjectQ scope. What the attempts' finalizers did is recorded in
a Redis list that the tests read.
"""

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from injectq import Binder, InjectQ, Module, provider, scoped, singleton
from injectq_taskiq import Inject, TaskInfo, setup_taskiq_integration

#: how long (ms) a message stays pending with a worker before another worker may claim it;
#: short here, so that a redelivery is quick. In production: longer than the longest task.
IDLE_TIMEOUT_MS = 1000


class Settings:
    def __init__(self) -> None:
        self.redis_url = os.environ["INJECTQ_E2E_REDIS_URL"]
        self.namespace = os.environ.get("INJECTQ_E2E_NAMESPACE", "stream")

    @property
    def prefix(self) -> str:
        return f"injectq-e2e-stream:{self.namespace}"


class Recorder:
    """Records in a Redis list, for the tests to read after the fact."""

    def __init__(self, client: Redis, key: str) -> None:
        self.client = client
        self.key = key

    async def record(self, **fields: Any) -> None:
        await self.client.rpush(self.key, json.dumps(fields))

    async def read(self) -> list[dict[str, Any]]:
        raw: list[bytes | str] = await self.client.lrange(self.key, 0, -1)
        return [json.loads(item) for item in raw]


class WorkerIdentity:
    """A singleton: one per worker process, closed when the worker shuts down."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.id = uuid.uuid4().hex


@scoped
class Attempt:
    """One per delivery of a message: built from the attempt's `TaskInfo`."""

    def __init__(self, info: TaskInfo) -> None:
        self.id = uuid.uuid4().hex
        self.task_id = info.task_id


class Transaction:
    """A scoped resource whose finalizer records how its attempt ended."""

    def __init__(self, attempt: Attempt) -> None:
        self.attempt = attempt


class StreamModule(Module):
    def configure(self, binder: Binder) -> None:
        binder[Settings] = Settings()

    @singleton
    @provider
    async def recorder(self, settings: Settings) -> AsyncIterator[Recorder]:
        client = Redis.from_url(settings.redis_url)
        try:
            yield Recorder(client, f"{settings.prefix}:records")
        finally:
            await client.aclose()

    @singleton
    @provider
    async def worker_identity(self, recorder: Recorder) -> AsyncIterator[WorkerIdentity]:
        identity = WorkerIdentity()
        yield identity
        await recorder.record(event="worker_closed", pid=identity.pid, worker_id=identity.id)

    @provider(scope="scoped")
    async def transaction(self, attempt: Attempt, recorder: Recorder) -> AsyncIterator[Transaction]:
        error: str | None = None
        try:
            yield Transaction(attempt)
        except BaseException as exception:
            error = type(exception).__name__
            raise
        finally:  # never runs for an attempt whose worker was killed
            await recorder.record(
                event="attempt_closed",
                task_id=attempt.task_id,
                scope_id=attempt.id,
                pid=os.getpid(),
                error=error,
            )


container = InjectQ()
container.install(StreamModule())
settings = container.get(Settings)
broker = RedisStreamBroker(
    settings.redis_url,
    queue_name=f"{settings.prefix}:stream",
    consumer_group_name=f"{settings.prefix}:workers",
    idle_timeout=IDLE_TIMEOUT_MS,
    socket_timeout=None,  # with a socket timeout, the worker can miss its SIGTERM (3.11)
).with_result_backend(RedisAsyncResultBackend(settings.redis_url, prefix_str=settings.prefix))
setup_taskiq_integration(broker, container)


@broker.task("stream.hold")
async def hold(
    seconds: float,
    attempt: Inject[Attempt],
    transaction: Inject[Transaction],
    recorder: Inject[Recorder],
    worker: Inject[WorkerIdentity],
) -> dict[str, Any]:
    """Sleep `seconds` on the first delivery of the message (later deliveries return at
    once), recording each attempt's start."""
    started = [
        record
        for record in await recorder.read()
        if record["event"] == "attempt_started" and record["task_id"] == attempt.task_id
    ]
    await recorder.record(
        event="attempt_started", task_id=attempt.task_id, scope_id=attempt.id, pid=os.getpid()
    )
    if not started:
        await asyncio.sleep(seconds)
    return {"scope_id": attempt.id, "pid": os.getpid(), "worker_id": worker.id}


@broker.task("stream.ping")
async def ping(worker: Inject[WorkerIdentity]) -> dict[str, Any]:
    return {"pid": os.getpid(), "worker_id": worker.id}
