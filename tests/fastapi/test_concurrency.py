"""The FastAPI adapter under real HTTP: uvicorn on a loopback port, 200 requests in flight."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, InjectQDependency, setup_fastapi_integration
from tests._journal import Journal, until
from tests._servers import free_port

IN_FLIGHT = 200


class RequestState:
    def __init__(self, path: str) -> None:
        self.id = uuid.uuid4().hex
        self.path = path


class Pool:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


def make_app(journal: Journal, *, release: asyncio.Event | None = None) -> FastAPI:
    """The app under test. Its services record `["closed", state id, exception thrown into the
    finalizer or None]`, `["pool made"]`, `["pool closed", pool id]` and `["stream stopped",
    state id]`. With a `release` event, request finalizers wait for the test to set it."""
    container = InjectQ()

    async def request_state(request: Request) -> AsyncIterator[RequestState]:
        state = RequestState(request.url.path)
        failure: str | None = None
        try:
            yield state
        except Exception as error:
            failure = repr(error)
            raise
        finally:
            if release is not None:
                async with asyncio.timeout(10):
                    await release.wait()
            journal.add("closed", state.id, failure)

    async def pool() -> AsyncIterator[Pool]:
        journal.add("pool made")
        await asyncio.sleep(0.01)  # every request released by the barrier asks meanwhile
        made = Pool()
        yield made
        journal.add("pool closed", made.id)

    container.bind_factory(RequestState, request_state, scope="scoped")
    container.bind_factory(Pool, pool, scope="singleton")
    app = FastAPI()
    setup_fastapi_integration(app, container)
    barrier = asyncio.Barrier(IN_FLIGHT)

    def state_of_dependency(state: RequestState = InjectQDependency(RequestState)) -> RequestState:
        return state  # a user's own Depends function, injected too

    @app.get("/work")
    async def work(
        state: Inject[RequestState], again: RequestState = Depends(state_of_dependency)
    ) -> dict[str, Any]:
        async with asyncio.timeout(10):  # fails (500) instead of hanging
            await barrier.wait()  # all IN_FLIGHT requests are inside the app now
        after = await container.aget(RequestState)
        shared = await container.aget(Pool)
        return {
            "id": state.id,
            "same_in_dependency": again is state,
            "same_after_barrier": after is state,
            "pool": shared.id,
        }

    @app.get("/ping")
    async def ping(state: Inject[RequestState]) -> str:
        return state.id

    @app.get("/fail")
    async def fail(state: Inject[RequestState]) -> None:
        raise RuntimeError("declined")

    @app.get("/stream")
    async def stream(state: Inject[RequestState]) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                yield f"{state.id}\n".encode()
                for _ in range(400):  # 10 s unless the client goes away
                    await asyncio.sleep(0.025)
                    yield b".\n"
            finally:
                journal.add("stream stopped", state.id)

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """uvicorn on a free loopback port in this event loop; shut down cleanly on exit."""
    for attempt in range(3):
        port = free_port()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", port))  # taken meanwhile: try another port
            break
        except OSError:
            listener.close()
            if attempt == 2:
                raise
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await until(lambda: server.started or task.done(), seconds=10)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        listener.close()


def client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=IN_FLIGHT + 10, max_keepalive_connections=IN_FLIGHT)
    # plain HTTP on loopback: verify=False spares building a TLS context per client
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=20, verify=False)


async def test_200_requests_in_flight_each_get_their_own_scope_and_share_one_singleton(
    journal: Journal,
) -> None:
    release = asyncio.Event()
    app = make_app(journal, release=release)
    async with serving(app) as base_url, contextlib.AsyncExitStack() as stack:
        # httpcore's pool does work quadratic in its open connections: spread the requests
        # over a few clients, each of which could hold all of them at once
        clients = [await stack.enter_async_context(client(base_url)) for _ in range(8)]
        requests = (clients[index % 8].get("/work") for index in range(IN_FLIGHT))
        responses = await asyncio.wait_for(asyncio.gather(*requests), timeout=20)
        closed_before_release = journal.of("closed")
        release.set()
        # every response arrived while every request's finalizer was still held
        assert closed_before_release == []
        await until(lambda: len(journal.of("closed")) >= IN_FLIGHT)
        assert journal.of("pool closed") == []  # singletons live until the lifespan ends
    assert [response.status_code for response in responses] == [200] * IN_FLIGHT
    bodies = [response.json() for response in responses]
    ids = [body["id"] for body in bodies]
    assert len(set(ids)) == IN_FLIGHT  # no request saw another's scoped instance
    assert all(body["same_in_dependency"] for body in bodies)
    assert all(body["same_after_barrier"] for body in bodies)
    assert len({body["pool"] for body in bodies}) == 1
    assert len(journal.of("pool made")) == 1
    # each request's finalizer ran exactly once, with no exception
    assert Counter(closed_id for _, closed_id, _ in journal.of("closed")) == Counter(ids)
    assert {failure for _, _, failure in journal.of("closed")} == {None}
    # the server shut down: its lifespan closed the singleton
    assert journal.of("pool closed") == [["pool closed", bodies[0]["pool"]]]


async def test_an_endpoints_exception_reaches_its_finalizer_over_real_http(
    journal: Journal,
) -> None:
    app = make_app(journal)
    async with serving(app) as base_url, client(base_url) as http:
        response = await http.get("/fail")
        assert response.status_code == 500
        assert [failure for _, _, failure in journal.of("closed")] == ["RuntimeError('declined')"]
        assert (await http.get("/ping")).status_code == 200


async def test_a_client_that_disconnects_mid_stream_still_gets_its_finalizer_run(
    journal: Journal,
) -> None:
    app = make_app(journal)
    async with serving(app) as base_url:
        async with client(base_url) as reader, reader.stream("GET", "/stream") as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            state_id = await anext(lines)
        # the client closed its connection after one chunk, long before the stream's end
        await until(lambda: ["stream stopped", state_id] in journal.events)
        await until(lambda: any(closed_id == state_id for _, closed_id, _ in journal.of("closed")))
        assert [closed_id for _, closed_id, _ in journal.of("closed")] == [state_id]
        async with client(base_url) as http:
            after = await http.get("/ping")
        assert after.status_code == 200  # the server keeps serving
        await until(lambda: len(journal.of("closed")) == 2)
