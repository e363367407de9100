"""How the FastAPI suite drives an app: ASGI calls in-process, as a server would make them.

One timed run is one request: ``await app(scope, receive, send)`` with a copy of a prebuilt
HTTP scope for ``GET /items/42``, a ``receive`` that hands over the empty body (then a
disconnect) and a ``send`` that keeps the messages. No HTTP client, socket or server is in
the way, so what is measured is the app: routing, middleware, the dependency system, the
endpoint and JSON encoding. Before the first request the app's lifespan is started the way a
server starts it (so the libraries' startup and shutdown hooks run), and it is shut down
after the timed rounds. ``check_responses`` is the check of two requests.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from _suite import expect
from _unit_model import ITEM_ID, check_payloads
from fastapi import FastAPI
from starlette.types import Message

PATH = f"/items/{ITEM_ID}"
HTTP_SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": PATH,
    "raw_path": PATH.encode(),
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"bench.local"), (b"accept", b"application/json")],
    "client": ("127.0.0.1", 50000),
    "server": ("bench.local", 80),
}
_REQUEST: Message = {"type": "http.request", "body": b"", "more_body": False}
_DISCONNECT: Message = {"type": "http.disconnect"}


@dataclass(frozen=True, slots=True)
class FastapiCase:
    """What a contestant's ``build()`` returns: its app, with ``GET /items/{item_id}``."""

    app: FastAPI
    note: str = ""


class Lifespan:
    """An app's ASGI lifespan, run as a server runs it; ``state`` is what requests start from."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: Message) -> None:
        await self._outbox.put(message)

    async def _step(self, event: str) -> None:
        """Send ``lifespan.{event}`` and wait for the app to say it completed."""
        assert self._task is not None
        await self._inbox.put({"type": f"lifespan.{event}"})
        reply = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait((reply, self._task), return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():
            reply.cancel()
            self._task.result()  # raises what the app raised
            raise RuntimeError(f"the app's lifespan ended without answering {event}")
        answer = reply.result()
        if answer["type"] != f"lifespan.{event}.complete":
            await self._task  # Starlette raises the lifespan's error again after reporting it
            message = str(answer.get("message", "")).strip().splitlines() or [answer["type"]]
            raise RuntimeError(f"{event} failed: {message[-1]}")

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._task = asyncio.create_task(self.app(scope, self._inbox.get, self._send))
        await self._step("startup")

    async def stop(self) -> None:
        await self._step("shutdown")
        assert self._task is not None
        await self._task


def request_runner(app: FastAPI, lifespan: Lifespan) -> Callable[[], Awaitable[list[Message]]]:
    """One timed run: one request, returning every message the app sent."""
    template = HTTP_SCOPE

    async def run() -> list[Message]:
        sent: list[Message] = []
        received = False

        async def receive() -> Message:
            nonlocal received
            if received:
                return _DISCONNECT
            received = True
            return _REQUEST

        async def send(message: Message) -> None:
            sent.append(message)

        scope = template.copy()
        scope["state"] = lifespan.state.copy()  # per request, as servers do
        await app(scope, receive, send)
        return sent

    return run


def _response(messages: object) -> dict[str, Any]:
    """The JSON body of one request's messages, after checking its status and type."""
    expect(isinstance(messages, list), f"a run returned {type(messages).__name__}")
    assert isinstance(messages, list)
    kinds = [m.get("type") for m in messages]
    expect(kinds[:1] == ["http.response.start"], f"the app sent {kinds}, not a response")
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    expect(start["status"] == 200, f"status {start['status']}: {body[:120]!r}")
    headers = dict(start.get("headers", []))
    expect(
        headers.get(b"content-type") == b"application/json",
        f"content-type {headers.get(b'content-type')!r}, not JSON",
    )
    parsed = json.loads(body)
    expect(isinstance(parsed, dict), f"the body is {body[:120]!r}, not an object")
    return cast("dict[str, Any]", parsed)


def check_responses(first: object, second: object) -> None:
    """Both requests: 200, JSON with the path's item id; each had a Session of its own, built
    from the Settings singleton that both requests were given."""
    check_payloads([_response(first), _response(second)], giver="the endpoint", unit="request")
