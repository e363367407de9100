"""An exception that FastAPI or an exception handler turns into a response still reaches the
finalizers, as it reaches FastAPI's own `yield` dependencies: a transaction rolls back on a
404, a mapped domain error, a validation error or a WebSocket policy close, while the client
gets the handler's response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketException
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, setup_fastapi_integration
from tests._journal import Journal


class Transaction:
    def __init__(self) -> None:
        self.statements: list[str] = []


class OutOfStockError(Exception):
    """A domain error the app maps to a response with an exception handler."""


class EmbargoedError(Exception):
    """Another one, mapped by a sync handler (Starlette runs it in its thread pool)."""


def make_app(journal: Journal) -> FastAPI:
    """Its transaction records `["commit", statements]` or
    `["rollback", error type, statements]`."""
    container = InjectQ()

    async def transaction() -> AsyncIterator[Transaction]:
        tx = Transaction()
        try:
            yield tx
        except Exception as error:
            journal.add("rollback", type(error).__name__, tx.statements)
            raise
        else:
            journal.add("commit", tx.statements)

    container.bind_factory(Transaction, transaction, scope="scoped")
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.exception_handler(OutOfStockError)
    async def out_of_stock(request: Request, exc: OutOfStockError) -> JSONResponse:
        return JSONResponse({"detail": f"out of stock: {exc}"}, status_code=409)

    @app.exception_handler(EmbargoedError)
    def embargoed(request: Request, exc: EmbargoedError) -> JSONResponse:
        return JSONResponse({"detail": "embargoed"}, status_code=451)

    @app.exception_handler(418)
    async def teapot(request: Request, exc: HTTPException) -> PlainTextResponse:
        return PlainTextResponse("short and stout", status_code=418)

    @app.get("/orders/{order_id}")
    async def read_order(order_id: int, tx: Inject[Transaction]) -> None:
        tx.statements.append(f"select {order_id}")
        raise HTTPException(404, "no such order")

    @app.get("/orders/{order_id}/sync")
    def read_order_sync(order_id: int, tx: Inject[Transaction]) -> None:
        tx.statements.append(f"select {order_id}")
        raise HTTPException(404, "no such order")

    @app.post("/orders")
    async def place(tx: Inject[Transaction]) -> None:
        tx.statements.append("insert")
        raise OutOfStockError("widgets")

    @app.post("/embargo")
    async def embargo(tx: Inject[Transaction]) -> None:
        tx.statements.append("insert")
        raise EmbargoedError

    @app.post("/tea")
    async def tea(tx: Inject[Transaction]) -> None:
        tx.statements.append("insert")
        raise HTTPException(418)

    @app.post("/paid")
    async def paid(tx: Inject[Transaction]) -> dict[str, bool]:
        tx.statements.append("insert")
        return {"ok": True}

    def begun(tx: Inject[Transaction]) -> Transaction:  # a user's Depends, solved before...
        tx.statements.append("begin")
        return tx

    @app.get("/search")
    async def search(limit: int, tx: Transaction = Depends(begun)) -> None:  # ...the query
        return None

    @app.websocket("/live")
    async def live(websocket: WebSocket, tx: Inject[Transaction]) -> None:
        tx.statements.append("subscribe")
        raise WebSocketException(code=1008, reason="not allowed")

    @app.websocket("/feed")
    async def feed(websocket: WebSocket, limit: int, tx: Transaction = Depends(begun)) -> None:
        await websocket.accept()

    return app


def client(app: FastAPI, *, started: bool) -> AbstractContextManager[TestClient]:
    """With the lifespan run (async endpoints on the fast path) or not (the dependency path)."""
    return TestClient(app) if started else nullcontext(TestClient(app))


STARTED = pytest.mark.parametrize("started", [False, True], ids=["dependency-path", "fast-path"])


@STARTED
@pytest.mark.parametrize("path", ["/orders/7", "/orders/7/sync"], ids=["async", "sync"])
def test_an_http_exception_reaches_the_finalizer_and_the_client_gets_the_404(
    journal: Journal, started: bool, path: str
) -> None:
    with client(make_app(journal), started=started) as http:
        response = http.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "no such order"}
    assert journal.events == [["rollback", "HTTPException", ["select 7"]]]


@STARTED
@pytest.mark.parametrize(
    ("path", "status", "error"),
    [("/orders", 409, "OutOfStockError"), ("/embargo", 451, "EmbargoedError")],
    ids=["async-handler", "sync-handler"],
)
def test_an_exception_mapped_by_a_handler_reaches_the_finalizer(
    journal: Journal, started: bool, path: str, status: int, error: str
) -> None:
    with client(make_app(journal), started=started) as http:
        response = http.post(path)
    assert response.status_code == status
    assert journal.events == [["rollback", error, ["insert"]]]


def test_an_http_exception_handled_by_a_status_code_handler_reaches_the_finalizer(
    journal: Journal,
) -> None:
    with TestClient(make_app(journal)) as http:
        response = http.post("/tea")
    assert (response.status_code, response.text) == (418, "short and stout")
    assert journal.events == [["rollback", "HTTPException", ["insert"]]]


def test_a_request_validation_error_reaches_the_finalizer(journal: Journal) -> None:
    with TestClient(make_app(journal)) as http:
        response = http.get("/search", params={"limit": "many"})
    assert response.status_code == 422
    assert journal.events == [["rollback", RequestValidationError.__name__, ["begin"]]]


def test_a_websocket_exception_reaches_the_finalizer_of_the_session(journal: Journal) -> None:
    with (
        TestClient(make_app(journal)) as http,
        pytest.raises(WebSocketDisconnect) as closed,
        http.websocket_connect("/live"),
    ):
        pass
    assert closed.value.code == 1008
    assert journal.events == [["rollback", "WebSocketException", ["subscribe"]]]


def test_a_websocket_validation_error_reaches_the_finalizer_of_the_session(
    journal: Journal,
) -> None:
    with (
        TestClient(make_app(journal)) as http,
        pytest.raises(WebSocketDisconnect) as closed,
        http.websocket_connect("/feed?limit=many"),
    ):
        pass
    assert closed.value.code == 1008
    name = WebSocketRequestValidationError.__name__
    assert journal.events == [["rollback", name, ["begin"]]]


def test_a_request_that_succeeds_still_commits(journal: Journal) -> None:
    with TestClient(make_app(journal)) as http:
        assert http.post("/paid").json() == {"ok": True}
    assert journal.events == [["commit", ["insert"]]]


def test_the_apps_own_exception_handlers_are_left_as_the_user_registered_them(
    journal: Journal,
) -> None:
    app = make_app(journal)
    before: dict[Any, Any] = dict(app.exception_handlers)
    with TestClient(app) as http:
        http.post("/orders")
    assert app.exception_handlers == before
