"""Units of work in a WebSocket connection (docs/integrations/fastapi.md, "WebSocket sessions").

A connection's `session` scope closes when the handler ends. When the client closes the
connection normally, Starlette's `receive_*` raises `WebSocketDisconnect` (code 1000, or 1001
when the client goes away), and a handler that lets it propagate (or re-raises it) throws it
into the session's finalizers, so a finalizer that rolls back on any exception rolls back a
normal close; under uvicorn it is also logged as "Exception in ASGI application". A handler
that returns on a normal close commits. And everything the session scope makes, transients
with finalizers included, lives until the connection ends, unless each message has a scope of
its own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from itertools import count
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status
from fastapi.testclient import TestClient
from websockets.asyncio.client import connect

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, setup_fastapi_integration
from tests._journal import Journal, until
from tests.fastapi._uvicorn import serving

NORMAL_CLOSE = {status.WS_1000_NORMAL_CLOSURE, status.WS_1001_GOING_AWAY}


class Transaction:
    def __init__(self) -> None:
        self.statements: list[str] = []


class Cursor:
    """A per-message resource: a factory makes one per resolution (transient)."""

    def __init__(self, number: int) -> None:
        self.number = number


def make_app(journal: Journal) -> tuple[FastAPI, InjectQ]:
    """Routes:

    - `/propagates`: echoes until `receive_text` raises, and lets the exception out;
    - `/reraises`: catches `WebSocketDisconnect`, records it, raises it again;
    - `/commits`: returns on a normal close (1000/1001), re-raises any other close;
    - `/cursor-per-connection`: resolves a transient `Cursor` per message in the session;
    - `/cursor-per-message`: the same inside `async with container.scope("message")`.

    The transaction records `["commit", statements]` or
    `["rollback", error type, close code, statements]`; a cursor `["close cursor", n]`.
    """
    container = InjectQ()
    numbers = count(1)

    def transaction() -> Iterator[Transaction]:
        tx = Transaction()
        try:
            yield tx
        except Exception as error:
            journal.add(
                "rollback", type(error).__name__, getattr(error, "code", None), tx.statements
            )
            raise
        else:
            journal.add("commit", tx.statements)

    async def cursor() -> AsyncIterator[Cursor]:
        opened = Cursor(next(numbers))
        yield opened
        journal.add("close cursor", opened.number)

    container.bind_factory(Transaction, transaction, scope="scoped")
    container.bind_factory(Cursor, cursor)  # a factory with no scope: transient
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.websocket("/propagates")
    async def propagates(websocket: WebSocket, tx: Inject[Transaction]) -> None:
        await websocket.accept()
        while True:
            text = await websocket.receive_text()
            tx.statements.append(text)
            await websocket.send_text(f"saved {text}")

    @app.websocket("/reraises")
    async def reraises(websocket: WebSocket, tx: Inject[Transaction]) -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                tx.statements.append(text)
                await websocket.send_text(f"saved {text}")
        except WebSocketDisconnect as closed:
            journal.add("handler saw", closed.code)
            raise

    @app.websocket("/commits")
    async def commits(websocket: WebSocket, tx: Inject[Transaction]) -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                tx.statements.append(text)
                await websocket.send_text(f"saved {text}")
        except WebSocketDisconnect as closed:
            if closed.code not in NORMAL_CLOSE:
                raise  # dropped, or closed for an error: the finalizers roll back

    @app.websocket("/cursor-per-connection")
    async def cursor_per_connection(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.receive_text()
                used = await container.aget(Cursor)
                await websocket.send_json(used.number)
        except WebSocketDisconnect:
            return

    @app.websocket("/cursor-per-message")
    async def cursor_per_message(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.receive_text()
                async with container.scope("message"):
                    used = await container.aget(Cursor)
                    number = used.number
                await websocket.send_json(number)  # after the message's scope closed
        except WebSocketDisconnect:
            return

    return app, container


def save_one_order(http: TestClient, path: str, code: int = 1000) -> None:
    """Connect, send one message, get its reply, close with `code`."""
    with http.websocket_connect(path) as socket:
        socket.send_text("order 7")
        assert socket.receive_text() == "saved order 7"
        socket.close(code)


@pytest.mark.parametrize("path", ["/propagates", "/reraises"])
def test_a_normal_close_reaches_the_session_finalizers_as_websocket_disconnect(
    journal: Journal, path: str
) -> None:
    app, _ = make_app(journal)
    with TestClient(app) as http, pytest.raises(WebSocketDisconnect) as escaped:
        save_one_order(http, path)  # the test client re-raises what escaped the app
    assert escaped.value.code == 1000
    assert journal.of("rollback") == [["rollback", "WebSocketDisconnect", 1000, ["order 7"]]]
    assert journal.of("commit") == []


@pytest.mark.parametrize("code", [1000, 1001])
def test_a_handler_that_returns_on_a_normal_close_commits(journal: Journal, code: int) -> None:
    app, _ = make_app(journal)
    with TestClient(app) as http:
        save_one_order(http, "/commits", code)
    assert journal.events == [["commit", ["order 7"]]]


@pytest.mark.parametrize("code", [1005, 1006, 1011, 1012])
def test_a_handler_that_returns_on_a_normal_close_rolls_back_any_other(
    journal: Journal, code: int
) -> None:
    app, _ = make_app(journal)
    with TestClient(app) as http, pytest.raises(WebSocketDisconnect):
        save_one_order(http, "/commits", code)
    assert journal.events == [["rollback", "WebSocketDisconnect", code, ["order 7"]]]


def asgi_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if "Exception in ASGI application" in r.getMessage()
    ]


async def finalized(journal: Journal, kind: str) -> list[list[Any]]:
    """The journal's events of `kind`, once there is one (the server closes the scope after
    the client saw the connection close)."""
    await until(lambda: bool(journal.of(kind)))
    return journal.of(kind)


async def test_under_uvicorn_a_normal_close_that_propagates_rolls_back_and_is_logged(
    journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    app, _ = make_app(journal)
    async with serving(app) as base_url:
        async with connect(base_url.replace("http", "ws", 1) + "/propagates") as socket:
            await socket.send("order 7")
            assert await socket.recv() == "saved order 7"
        # the client's close: code 1000, the closing handshake completed
        rolled_back = await finalized(journal, "rollback")
    assert rolled_back == [["rollback", "WebSocketDisconnect", 1000, ["order 7"]]]
    assert len(asgi_errors(caplog)) == 1


@pytest.mark.parametrize("code", [1000, 1001])
async def test_under_uvicorn_a_handler_that_returns_on_a_normal_close_commits_quietly(
    journal: Journal, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    caplog.set_level(logging.ERROR)
    app, _ = make_app(journal)
    async with serving(app) as base_url:
        socket = await connect(base_url.replace("http", "ws", 1) + "/commits")
        await socket.send("order 7")
        assert await socket.recv() == "saved order 7"
        await socket.close(code=code)
        committed = await finalized(journal, "commit")
    assert committed == [["commit", ["order 7"]]]
    assert asgi_errors(caplog) == []


async def test_under_uvicorn_a_dropped_connection_arrives_as_1005_and_rolls_back(
    journal: Journal,
) -> None:
    app, _ = make_app(journal)
    async with serving(app) as base_url:
        socket = await connect(base_url.replace("http", "ws", 1) + "/commits")
        await socket.send("order 7")
        assert await socket.recv() == "saved order 7"
        socket.transport.abort()  # no closing handshake: a lost network, a killed client
        rolled_back = await finalized(journal, "rollback")
    assert rolled_back == [["rollback", "WebSocketDisconnect", 1005, ["order 7"]]]


def test_a_transient_resolved_per_message_is_held_until_the_connection_ends(
    journal: Journal,
) -> None:
    app, _ = make_app(journal)
    with TestClient(app) as http:
        with http.websocket_connect("/cursor-per-connection") as socket:
            for _ in range(5):
                socket.send_text("next")
                socket.receive_json()
            assert journal.of("close cursor") == []  # five open cursors, held by the session
        assert journal.of("close cursor") == [["close cursor", n] for n in (5, 4, 3, 2, 1)]


def test_a_scope_per_message_closes_what_each_message_made(journal: Journal) -> None:
    app, _ = make_app(journal)
    with TestClient(app) as http:
        with http.websocket_connect("/cursor-per-message") as socket:
            for expected in range(1, 6):
                socket.send_text("next")
                assert socket.receive_json() == expected
                # closed before the reply was sent, while the connection stays open
                assert journal.of("close cursor")[-1] == ["close cursor", expected]
            assert len(journal.of("close cursor")) == 5
        assert len(journal.of("close cursor")) == 5  # nothing was left for the session


async def test_under_uvicorn_a_server_shutdown_arrives_as_1012_and_rolls_back(
    journal: Journal,
) -> None:
    app, _ = make_app(journal)
    async with serving(app) as base_url:
        socket = await connect(base_url.replace("http", "ws", 1) + "/commits")
        await socket.send("order 7")
        assert await socket.recv() == "saved order 7"
    # leaving `serving` shuts uvicorn down, as SIGTERM does, with the connection open
    assert journal.events == [["rollback", "WebSocketDisconnect", 1012, ["order 7"]]]
    await socket.close()


async def test_under_uvicorn_a_close_without_a_code_arrives_as_1005_and_rolls_back(
    journal: Journal,
) -> None:
    """What a browser's `socket.close()` with no arguments sends: a close frame, no code."""
    app, _ = make_app(journal)
    async with serving(app) as base_url:
        socket = await connect(base_url.replace("http", "ws", 1) + "/commits")
        await socket.send("order 7")
        assert await socket.recv() == "saved order 7"
        # a close frame with no code, as websockets sends for `code=None`
        await socket.close(code=None)  # type: ignore[arg-type]
        rolled_back = await finalized(journal, "rollback")
    assert rolled_back == [["rollback", "WebSocketDisconnect", 1005, ["order 7"]]]
