"""Driving an ASGI app the way a server does, in the test's own event loop.

`lifespan(app)` speaks the ASGI lifespan protocol (what uvicorn sends at start-up and
shutdown), so the app's middleware stack is built and its lifespan runs exactly as under a
server. `websocket_session(app, path, text)` is one WebSocket connection: connect, one text
message from the client, then whatever the app sends until it closes. It runs the app in the
caller's task, as `httpx.ASGITransport` does for HTTP, so cancelling the caller cancels the
app, which is what a server does to a connection's task when it goes away.

Starlette's `TestClient` speaks the same messages, but from a thread of its own with its own
event loop: 100 concurrent sessions would need 100 threads, and a session could not be
cancelled mid-handler.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message


class LifespanError(Exception):
    """The app reported `lifespan.startup.failed` without raising (its message is kept)."""


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncGenerator[None]:
    """The app's lifespan, started and ended through ASGI lifespan messages.

    A start-up failure is raised as the exception the app raised (a server logs it and
    exits); a failed shutdown likewise.
    """
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        await outbox.put(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    running: asyncio.Future[None] = asyncio.ensure_future(app(scope, receive, send))

    async def reply() -> Message:
        got = asyncio.create_task(outbox.get())
        pending: set[asyncio.Future[Any]] = {got, running}
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if got.done():
            return got.result()
        got.cancel()
        running.result()  # the app returned or raised without answering: raise what it raised
        raise LifespanError("the app ended its lifespan without answering")

    await inbox.put({"type": "lifespan.startup"})
    started = await reply()
    if started["type"] == "lifespan.startup.failed":
        await running  # raises the app's own exception, which a server logs before it exits
        raise LifespanError(started.get("message", ""))
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        ended = await reply()
        await asyncio.wait_for(running, 5)
        if ended["type"] == "lifespan.shutdown.failed":
            raise LifespanError(ended.get("message", ""))


@dataclass
class Session:
    """What the client of one WebSocket connection saw, and what escaped the app."""

    sent: list[Message] = field(default_factory=list[Message])
    escaped: BaseException | None = None

    @property
    def texts(self) -> list[Any]:
        """The JSON messages the app sent."""
        return [json.loads(m["text"]) for m in self.sent if m["type"] == "websocket.send"]

    @property
    def close_code(self) -> int | None:
        """The code the app closed the connection with (None: it never closed it)."""
        for message in self.sent:
            if message["type"] == "websocket.close":
                return int(message.get("code", 1000))
        return None

    @property
    def accepted(self) -> bool:
        return any(m["type"] == "websocket.accept" for m in self.sent)


async def websocket_session(app: ASGIApp, path: str, text: str) -> Session:
    """Connect to `path`, send `text` once the app accepts, and read until the app closes
    the connection or returns; then the client disconnects."""
    session = Session()
    script: list[Message] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": text},
    ]
    finished = asyncio.Event()

    async def receive() -> Message:
        if script:
            return script.pop(0)
        await finished.wait()  # the client stays until the app is done with it
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        session.sent.append(message)
        if message["type"] in ("websocket.close", "websocket.http.response.body"):
            finished.set()

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "server": ("conformance", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"conformance")],
        "subprotocols": [],
        "state": {},
    }
    try:
        await app(scope, receive, send)
    except Exception as error:  # a server logs it and closes the connection (1011)
        session.escaped = error
    finally:
        finished.set()
    return session
