"""One `container.override(...)` reaches endpoints, in-memory tasks and an in-process worker;
the pytest plugin's overrides end with their test."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Protocol

import httpx
import pytest
from fastapi import FastAPI
from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker
from taskiq.api import run_receiver_task
from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, setup_fastapi_integration
from injectq.integrations.taskiq import InjectQDependency as TaskDependency
from injectq.integrations.taskiq import setup_taskiq_integration
from injectq.pytest_plugin import Override
from tests._servers import RedisServer


class IMailer(Protocol):
    def name(self) -> str: ...


class SmtpMailer:
    def name(self) -> str:
        return "smtp"


class FakeMailer:
    def name(self) -> str:
        return "fake"


class Notifier:
    """A singleton that depends on the overridden key."""

    def __init__(self, mailer: IMailer) -> None:
        self.mailer = mailer

    def notify(self) -> str:
        return self.mailer.name()


def make_container() -> InjectQ:
    container = InjectQ()
    container.bind(IMailer, SmtpMailer)
    container.bind(Notifier, Notifier, scope="singleton")
    return container


def make_app(container: InjectQ) -> FastAPI:
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.get("/notify")
    async def notify(notifier: Inject[Notifier], mailer: Inject[IMailer]) -> list[str]:
        return [notifier.notify(), mailer.name()]

    return app


def add_tasks(broker: AsyncBroker, container: InjectQ) -> list[AsyncTaskiqDecoratedTask]:
    """An async task (on the worker's loop) and a sync one (in its thread pool)."""

    @broker.task(task_name="notify")
    async def notify(notifier: Notifier = TaskDependency(Notifier)) -> str:
        return notifier.notify()

    @broker.task(task_name="notify_sync")
    def notify_sync(mailer: IMailer = TaskDependency(IMailer)) -> str:
        return mailer.name()

    setup_taskiq_integration(broker, container)
    return [notify, notify_sync]


def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_one_override_reaches_endpoints_in_memory_tasks_and_an_in_process_worker(
    redis_server: RedisServer,
) -> None:
    container = make_container()
    app = make_app(container)
    memory = InMemoryBroker()
    queue = ListQueueBroker(redis_server.url, queue_name=f"injectq-test-{uuid.uuid4().hex}")
    queue = queue.with_result_backend(RedisAsyncResultBackend(redis_server.url))
    tasks = add_tasks(memory, container) + add_tasks(queue, container)
    await memory.startup()
    await queue.startup()
    worker = asyncio.create_task(run_receiver_task(queue, sync_workers=2))

    async def names() -> list[str]:
        async with client(app) as http:
            response = await http.get("/notify")
        seen: list[str] = response.json()
        for task in tasks:
            sent = await task.kiq()
            result = await sent.wait_result(timeout=10, check_interval=0.01)
            assert not result.is_err, result.error
            seen.append(result.return_value)
        return seen

    try:
        assert await names() == ["smtp"] * 6
        made_before = container.get(Notifier)
        with container.override(IMailer, FakeMailer()):
            assert await names() == ["fake"] * 6
        assert await names() == ["smtp"] * 6
        assert container.get(Notifier) is made_before  # set aside, then back
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await queue.shutdown()
        await memory.shutdown()


PLUGIN_CONTAINER = make_container()
PLUGIN_APP = make_app(PLUGIN_CONTAINER)


@pytest.fixture
def injectq_container() -> InjectQ:
    return PLUGIN_CONTAINER  # how a project points the plugin at its application's container


async def test_the_plugins_override_replaces_a_service_in_endpoints_for_the_rest_of_the_test(
    injectq_override: Override,
) -> None:
    async with client(PLUGIN_APP) as http:
        assert (await http.get("/notify")).json() == ["smtp", "smtp"]
        fake = injectq_override(IMailer, FakeMailer())
        assert (await http.get("/notify")).json() == ["fake", "fake"]
    assert PLUGIN_CONTAINER.get(IMailer) is fake


async def test_the_previous_tests_override_has_ended_so_endpoints_see_the_real_service() -> None:
    async with client(PLUGIN_APP) as http:
        assert (await http.get("/notify")).json() == ["smtp", "smtp"]
    assert isinstance(PLUGIN_CONTAINER.get(Notifier).mailer, SmtpMailer)
