"""The request's scope is the outermost layer of the app, whatever the order of the
`add_middleware` calls: every middleware and the 500 handler resolve scoped services in it. An
unhandled exception still propagates (the server reports it) after the scope closed with it;
a failing finalizer never does."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from injectq import BindingError, InjectQ, scoped
from injectq.integrations.fastapi import Inject, InjectQMiddleware, setup_fastapi_integration
from tests._journal import Journal


@scoped
class CorrelationId:
    """One per request, from the `x-correlation-id` header when the client sent one."""

    def __init__(self, request: Request) -> None:
        self.value = request.headers.get("x-correlation-id") or uuid.uuid4().hex


class Transaction:
    pass


class StampCorrelationId:
    """A plain ASGI middleware that puts the request's correlation id on the response."""

    def __init__(self, app: ASGIApp, container: InjectQ) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = await self.container.aget(CorrelationId)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-stamped", correlation.value.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, stamped)


def make_container(journal: Journal) -> InjectQ:
    container = InjectQ()
    container.bind(CorrelationId, CorrelationId)

    async def transaction() -> AsyncIterator[Transaction]:
        try:
            yield Transaction()
        except Exception as error:
            journal.add("rollback", str(error))
            raise
        journal.add("commit")

    container.bind_factory(Transaction, transaction, scope="scoped")
    return container


def add_routes(app: FastAPI) -> None:
    @app.get("/echo")
    async def echo(correlation: Inject[CorrelationId]) -> str:
        return correlation.value

    @app.get("/crash")
    async def crash(tx: Inject[Transaction]) -> None:
        raise RuntimeError("the database went away")


def add_plain_middleware(app: FastAPI, container: InjectQ) -> None:
    app.add_middleware(StampCorrelationId, container=container)


def add_decorated_middleware(app: FastAPI, container: InjectQ) -> None:
    @app.middleware("http")
    async def stamp(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        correlation = await container.aget(CorrelationId)
        response = await call_next(request)
        response.headers["x-stamped"] = correlation.value
        return response


@pytest.mark.parametrize("order", ["middleware-first", "setup-first"])
@pytest.mark.parametrize(
    "add", [add_plain_middleware, add_decorated_middleware], ids=["asgi", "decorator"]
)
def test_a_middleware_resolves_the_requests_scoped_services_whenever_it_was_added(
    journal: Journal, order: str, add: Callable[[FastAPI, InjectQ], None]
) -> None:
    container = make_container(journal)
    app = FastAPI()
    if order == "middleware-first":
        add(app, container)
        setup_fastapi_integration(app, container)
    else:
        setup_fastapi_integration(app, container)
        add(app, container)
    add_routes(app)
    with TestClient(app) as http:
        response = http.get("/echo", headers={"x-correlation-id": "c-7"})
        other = http.get("/echo")
    assert response.json() == "c-7"
    assert response.headers["x-stamped"] == "c-7"  # the middleware's instance is the endpoint's
    assert other.headers["x-stamped"] == other.json() != "c-7"


def make_app_with_500_handler(journal: Journal) -> FastAPI:
    container = make_container(journal)
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        correlation = await container.aget(CorrelationId)  # the request's, for the log
        journal.add("500", correlation.value, str(exc))
        return JSONResponse({"error": "internal", "correlation_id": correlation.value}, 500)

    add_routes(app)
    return app


def test_the_500_handler_runs_inside_the_request_scope(journal: Journal) -> None:
    app = make_app_with_500_handler(journal)
    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/crash", headers={"x-correlation-id": "c-500"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal", "correlation_id": "c-500"}
    assert journal.events == [
        ["500", "c-500", "the database went away"],
        ["rollback", "the database went away"],
    ]


async def test_an_unhandled_exception_propagates_after_the_scope_closed_with_it(
    journal: Journal,
) -> None:
    app = make_app_with_500_handler(journal)
    transport = httpx.ASGITransport(app=app)  # raise_app_exceptions=True, the default
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        with pytest.raises(RuntimeError, match="the database went away"):
            await http.get("/crash")
    assert journal.of("rollback") == [["rollback", "the database went away"]]


async def test_a_failing_finalizer_never_replaces_the_unhandled_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    container = InjectQ()

    async def transaction() -> AsyncIterator[Transaction]:
        try:
            yield Transaction()
        finally:
            raise OSError("connection reset while rolling back")

    container.bind_factory(Transaction, transaction, scope="scoped")
    app = FastAPI()
    setup_fastapi_integration(app, container)
    add_routes(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        with pytest.raises(RuntimeError, match="the database went away"):
            await http.get("/crash")
    logged = [r for r in caplog.records if r.name == "injectq.fastapi"]
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert "GET /crash" in logged[0].getMessage()


def test_setting_up_after_the_app_started_serving_is_an_error() -> None:
    app = FastAPI()
    with TestClient(app):
        pass  # the middleware stack is built now
    with pytest.raises(BindingError, match="after the app started serving"):
        setup_fastapi_integration(app, InjectQ())


async def test_an_app_wrapped_in_the_middleware_by_hand_gets_a_scope_per_request(
    journal: Journal,
) -> None:
    container = make_container(journal)
    container.declare_context(Request)
    app = FastAPI()

    @app.get("/echo")
    async def echo() -> str:
        return (await container.aget(CorrelationId)).value

    wrapped = InjectQMiddleware(app, container)
    transport = httpx.ASGITransport(app=wrapped)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/echo", headers={"x-correlation-id": "by-hand"})
        other = await http.get("/echo")
    assert response.json() == "by-hand"
    assert other.json() != "by-hand"
