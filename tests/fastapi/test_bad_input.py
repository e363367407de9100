"""Bad input at the FastAPI adapter's edges: unbound keys, and context sent on to taskiq tasks
that is forged, oversized or not plain data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
import pytest
from fastapi import BackgroundTasks, FastAPI, Request
from taskiq import InMemoryBroker

from injectq import InjectQ, MissingBindingError, PropagationError, ValidationError
from injectq.integrations.fastapi import Inject, route_entry_points, setup_fastapi_integration
from injectq.integrations.taskiq import InjectQDependency as TaskDependency
from injectq.integrations.taskiq import setup_taskiq_integration
from tests._journal import Journal, until

LABEL = "injectq_ctx:RequestContext"


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    tenant: str


def request_context(request: Request) -> RequestContext:
    headers = request.headers
    return RequestContext(headers.get("x-correlation-id", "none"), headers.get("x-tenant", "none"))


class AuditLog:
    """A service of the tasks: its factory records every instance it builds."""


@dataclass
class System:
    app: FastAPI
    broker: InMemoryBroker
    report: Any


def make_system(journal: Journal) -> System:
    """Tasks record `["ran", task, correlation id, tenant]`, the factory `["built", "AuditLog"]`."""
    container = InjectQ()
    container.bind_factory(RequestContext, request_context, scope="scoped")
    container.propagate(RequestContext)

    def audit_log() -> AuditLog:
        journal.add("built", "AuditLog")
        return AuditLog()

    container.bind_factory(AuditLog, audit_log, scope="scoped")
    broker = InMemoryBroker()  # each task runs in an asyncio task of its own, as in a worker
    setup_taskiq_integration(broker, container)
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @broker.task(task_name="follow_up")
    async def follow_up(context: RequestContext = TaskDependency(RequestContext)) -> None:
        journal.add("ran", "follow_up", context.correlation_id, context.tenant)

    @broker.task(task_name="report")
    async def report(
        chain: bool = False,
        context: RequestContext = TaskDependency(RequestContext),
        log: AuditLog = TaskDependency(AuditLog),
    ) -> str:
        journal.add("ran", "report", context.correlation_id, context.tenant)
        if chain:
            await follow_up.kiq()
        return context.correlation_id

    @app.post("/reports")
    async def enqueue(chain: bool = False) -> str:
        return (await report.kiq(chain=chain)).task_id

    @app.post("/later")
    async def enqueue_later(background: BackgroundTasks) -> None:
        background.add_task(report.kiq)

    return System(app, broker, report)


@pytest.fixture
async def system(journal: Journal) -> AsyncIterator[System]:
    made = make_system(journal)
    await made.broker.startup()
    yield made
    await made.broker.shutdown()


def client(app: FastAPI, *, raise_app_exceptions: bool = False) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


HEADERS = {"x-correlation-id": "corr-42", "x-tenant": "acme"}


class IRepository(Protocol):
    def find(self, item_id: int) -> str: ...


class Service:
    def __init__(self, repository: IRepository) -> None:
        self.repository = repository


async def test_an_unbound_dependency_names_the_endpoint_and_the_dependency_path() -> None:
    container = InjectQ()
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.get("/items/{item_id}")
    async def item(item_id: int, service: Inject[Service]) -> str:
        return service.repository.find(item_id)

    where = "GET /items/{item_id} -> Service -> IRepository"
    with pytest.raises(ValidationError) as reported:  # found before any request
        container.validate(entry_points=route_entry_points(app))
    assert where in str(reported.value)
    async with client(app, raise_app_exceptions=True) as http:
        for _ in range(2):  # the second request's error names the endpoint once, too
            with pytest.raises(MissingBindingError) as raised:
                await http.get("/items/3")
            assert f"path: {where}\n" in str(raised.value)
            assert "no binding for IRepository" in str(raised.value)


async def test_a_task_enqueued_by_an_endpoint_gets_the_requests_context(
    system: System, journal: Journal
) -> None:
    async with client(system.app) as http:
        response = await http.post("/reports", headers=HEADERS)
    assert response.status_code == 200
    await until(lambda: len(journal.of("ran")) == 1)
    assert journal.of("ran") == [["ran", "report", "corr-42", "acme"]]


async def test_a_task_enqueued_by_a_task_keeps_the_original_correlation_id(
    system: System, journal: Journal
) -> None:
    async with client(system.app) as http:
        await http.post("/reports", params={"chain": True}, headers=HEADERS)
    await until(lambda: len(journal.of("ran")) == 2)
    assert journal.of("ran") == [
        ["ran", "report", "corr-42", "acme"],
        ["ran", "follow_up", "corr-42", "acme"],
    ]


async def test_a_task_enqueued_from_a_background_task_gets_the_requests_context(
    system: System, journal: Journal
) -> None:
    async with client(system.app) as http:
        response = await http.post("/later", headers=HEADERS)
    assert response.status_code == 200
    await until(lambda: len(journal.of("ran")) == 1)
    assert journal.of("ran") == [["ran", "report", "corr-42", "acme"]]


OVERSIZED = json.dumps({"correlation_id": "c" * 5000, "tenant": "acme"})


@pytest.mark.parametrize(
    ("forged", "reason"),
    [
        (42, "arrived as int, not text"),
        ("{broken", "is not valid JSON"),
        ('{"correlation_id": "c", "tenant": "t", "role": "admin"}', "has no field(s) role"),
        ('{"correlation_id": 7, "tenant": "t"}', "field 'correlation_id'"),
        (OVERSIZED, "larger than its limit of 4096 bytes"),
    ],
    ids=["wrong-type", "malformed-json", "unknown-field", "ill-typed-field", "oversized"],
)
async def test_a_forged_context_label_fails_the_task_before_any_service_is_built(
    system: System, journal: Journal, forged: object, reason: str
) -> None:
    sent = await system.report.kicker().with_labels(**{LABEL: forged}).kiq()
    result = await sent.wait_result(timeout=5, check_interval=0.01)
    assert result.is_err
    assert isinstance(result.error, PropagationError)
    message = str(result.error)
    assert "propagated RequestContext" in message
    assert reason in message
    assert "task report" in message
    assert journal.of("built") == []  # no factory of the task ran
    assert journal.of("ran") == []


async def test_a_header_too_large_to_propagate_fails_the_request_at_send_time(
    system: System, journal: Journal
) -> None:
    headers = {"x-correlation-id": "c" * 5000, "x-tenant": "acme"}
    async with client(system.app, raise_app_exceptions=True) as http:
        with pytest.raises(
            PropagationError, match=r"RequestContext is \d+ bytes; the limit is 4096"
        ):
            await http.post("/reports", headers=headers)
    async with client(system.app) as http:
        response = await http.post("/reports", headers=headers)
    assert response.status_code == 500  # an error, not a task that runs without the context
    await system.broker.wait_all()
    assert journal.of("ran") == []
    assert system.broker.result_backend.results == {}


@dataclass(frozen=True)
class Stamped:
    correlation_id: str
    at: datetime


@dataclass(frozen=True)
class Holder:
    correlation_id: str
    payload: object


@pytest.mark.parametrize(("key", "named"), [(Stamped, "field 'at'"), (Holder, "field 'payload'")])
def test_a_type_that_is_not_plain_data_is_rejected_when_declared(key: type, named: str) -> None:
    container = InjectQ()
    with pytest.raises(PropagationError, match="cannot be propagated") as raised:
        container.propagate(key)
    assert named in str(raised.value)


@dataclass(frozen=True)
class Loose:
    correlation_id: str
    extra: Any  # `Any` passes the declaration: the value is checked when it is sent


async def test_a_value_that_is_not_plain_data_fails_the_request_when_it_is_sent() -> None:
    container = InjectQ()
    container.bind_factory(Loose, lambda: Loose("corr-1", datetime(2024, 1, 1)), scope="scoped")
    container.propagate(Loose)
    broker = InMemoryBroker()
    setup_taskiq_integration(broker, container)
    app = FastAPI()
    setup_fastapi_integration(app, container)
    ran: list[str] = []

    @broker.task(task_name="audit")
    async def audit(loose: Loose = TaskDependency(Loose)) -> None:
        ran.append(loose.correlation_id)

    @app.post("/audit")
    async def enqueue() -> None:
        await audit.kiq()

    await broker.startup()
    async with client(app, raise_app_exceptions=True) as http:
        with pytest.raises(PropagationError, match=r"not plain data: Loose\.extra is a datetime"):
            await http.post("/audit")
    await broker.wait_all()
    await broker.shutdown()
    assert ran == []
