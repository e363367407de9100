"""The FastAPI adapter: a scope per request and per WebSocket, injection without OpenAPI noise."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import httpx
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from taskiq import InMemoryBroker

from injectq import BindingError, InjectQ, ValidationError, scoped, singleton
from injectq.integrations.fastapi import (
    Inject,
    InjectQDependency,
    route_entry_points,
    setup_fastapi_integration,
)
from injectq.integrations.taskiq import InjectQDependency as TaskDependency
from injectq.integrations.taskiq import setup_taskiq_integration
from tests._journal import Journal


class IUsers(Protocol):
    def name(self, user_id: int) -> str: ...


@singleton
class Users:
    def name(self, user_id: int) -> str:
        return f"user{user_id}"


@scoped
class RequestState:
    def __init__(self, request: Request) -> None:
        self.id = uuid.uuid4().hex
        self.path = request.url.path


class Transaction:
    pass


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    tenant: str


def request_context(request: Request) -> RequestContext:
    return RequestContext(request.headers.get("x-correlation-id", "none"), "acme")


class Unbound:
    def __init__(self, setting: str) -> None:
        self.setting = setting


def make_app(journal: Journal | None = None) -> tuple[FastAPI, InjectQ]:
    """The app under test; its transaction records `["commit"]` or `["rollback", error]`."""
    journal = journal or Journal()
    container = InjectQ()
    container.bind(IUsers, Users)
    container.bind(Journal, journal)

    async def transaction() -> AsyncIterator[Transaction]:
        try:
            yield Transaction()
        except Exception as error:
            journal.add("rollback", str(error))
            raise
        else:
            journal.add("commit")

    container.bind_factory(Transaction, transaction, scope="scoped")
    app = FastAPI()
    setup_fastapi_integration(app, container)

    def user_name(users: IUsers = InjectQDependency(IUsers)) -> str:  # a user's own Depends
        return users.name(7)

    @app.get("/state")
    async def state(
        first: RequestState = InjectQDependency(RequestState),
        second: Annotated[RequestState, InjectQDependency()] = None,  # type: ignore[assignment]
        name: str = Depends(user_name),
    ) -> dict[str, Any]:
        await asyncio.sleep(0.001)
        assert second is not None
        return {"id": first.id, "same": first is second, "path": first.path, "name": name}

    @app.get("/sync")
    def sync_state(state: Inject[RequestState]) -> dict[str, str]:
        return {"id": state.id}

    @app.post("/orders")
    async def order(
        background: BackgroundTasks, tx: Transaction = InjectQDependency(Transaction)
    ) -> dict[str, bool]:
        background.add_task(journal.add, "background task ran")
        return {"ok": True}

    @app.get("/fail")
    async def fail(tx: Transaction = InjectQDependency(Transaction)) -> None:
        raise RuntimeError("declined")

    return app, container


def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_each_request_gets_its_own_scoped_instance_shared_within_the_request() -> None:
    app, _ = make_app()
    async with client(app) as http:
        responses = await asyncio.gather(*(http.get("/state") for _ in range(50)))
    bodies = [response.json() for response in responses]
    assert all(body["same"] for body in bodies)
    assert len({body["id"] for body in bodies}) == 50
    assert {body["path"] for body in bodies} == {"/state"}  # Request injected into a factory
    assert {body["name"] for body in bodies} == {"user7"}  # inside the user's own Depends


async def test_sync_endpoints_are_injected_in_their_request_scope() -> None:
    app, _ = make_app()
    async with client(app) as http:
        ids = {(await http.get("/sync")).json()["id"] for _ in range(5)}
    assert len(ids) == 5


async def test_the_scope_stays_open_for_background_tasks_and_finalizers_run_after(
    journal: Journal,
) -> None:
    app, _ = make_app(journal)
    async with client(app) as http:
        response = await http.post("/orders")
    assert response.status_code == 200
    assert journal.events == [["background task ran"], ["commit"]]


async def test_an_endpoints_exception_reaches_the_finalizer(journal: Journal) -> None:
    app, _ = make_app(journal)
    async with client(app) as http:
        response = await http.get("/fail")
    assert response.status_code == 500
    assert journal.events == [["rollback", "declined"]]


def test_injected_parameters_stay_out_of_the_openapi_schema() -> None:
    app, _ = make_app()
    bare = FastAPI()

    @bare.get("/state")
    async def state() -> dict[str, Any]:
        return {}

    injected = app.openapi()["paths"]["/state"]["get"]
    assert "parameters" not in injected
    assert "requestBody" not in injected
    assert injected.get("parameters") == bare.openapi()["paths"]["/state"]["get"].get("parameters")


def test_singletons_close_when_the_lifespan_ends() -> None:
    closed: list[str] = []
    container = InjectQ()

    async def users() -> AsyncIterator[Users]:
        yield Users()
        closed.append("users")

    container.bind_factory(IUsers, users, scope="singleton")
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.get("/name")
    async def name(users: IUsers = InjectQDependency(IUsers)) -> str:
        return users.name(1)

    with TestClient(app) as http:
        assert http.get("/name").json() == "user1"
        assert closed == []
    assert closed == ["users"]


def test_a_websocket_connection_is_one_session_scope() -> None:
    app, _ = make_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, tx: Transaction = InjectQDependency(Transaction)) -> None:
        await websocket.accept()
        again = await websocket.app.state.injectq_container.aget(Transaction)
        await websocket.send_text(str(again is tx))
        await websocket.close()

    with TestClient(app) as http, http.websocket_connect("/ws") as socket:
        assert socket.receive_text() == "True"  # one scope for the whole connection


def test_setting_up_twice_is_an_error_and_validation_sees_routes() -> None:
    app, container = make_app()
    with pytest.raises(BindingError, match="already set up"):
        setup_fastapi_integration(app, container)
    names = [entry.name for entry in route_entry_points(app)]
    assert "GET /state" in names
    container.validate(entry_points=route_entry_points(app))

    @app.get("/broken")
    async def broken(thing: Unbound = InjectQDependency(Unbound)) -> None:
        return None

    with pytest.raises(ValidationError, match="GET /broken -> Unbound -> str"):
        container.validate(entry_points=route_entry_points(app))


async def test_a_task_enqueued_by_a_request_sees_the_requests_context() -> None:
    container = InjectQ()
    container.bind_factory(RequestContext, request_context, scope="scoped")
    container.propagate(RequestContext)
    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, container)
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @broker.task(task_name="audit")
    async def audit(context: RequestContext = TaskDependency(RequestContext)) -> str:
        return f"{context.correlation_id}/{context.tenant}"

    @app.post("/audit")
    async def enqueue() -> str:
        sent = await audit.kiq()
        result = await sent.wait_result(timeout=5)
        return str(result.return_value)

    await broker.startup()
    async with client(app) as http:
        response = await http.post("/audit", headers={"x-correlation-id": "corr-42"})
    await broker.shutdown()
    assert response.json() == "corr-42/acme"


async def test_fastapis_markers_also_inject_task_parameters() -> None:
    # one import of Inject serves a module with endpoints and tasks alike
    container = InjectQ()
    container.bind(IUsers, Users)
    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, container)

    @broker.task(task_name="names")
    async def names(
        keyed: IUsers = InjectQDependency(IUsers),
        annotated: Annotated[IUsers, InjectQDependency()] = None,  # type: ignore[assignment]
        short: Inject[IUsers] = None,  # type: ignore[assignment]
    ) -> list[str]:
        assert annotated is not None
        assert short is not None
        return [keyed.name(1), annotated.name(2), short.name(3)]

    await broker.startup()
    result = await (await names.kiq()).wait_result(timeout=5)
    await broker.shutdown()
    assert result.return_value == ["user1", "user2", "user3"]
