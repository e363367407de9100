"""A finalizer that fails is logged with the request's method and route, and changes nothing
the client receives: not the response, not the keep-alive connection, not the test client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, setup_fastapi_integration
from tests.fastapi._uvicorn import serving

LOGGER = "injectq.fastapi"


class Resource:
    """A request-scoped service whose release fails."""


def sync_resource() -> Iterator[Resource]:
    try:
        yield Resource()
    finally:
        raise RuntimeError("cannot release the resource")  # whatever the request's outcome


async def async_resource() -> AsyncIterator[Resource]:
    try:
        yield Resource()
    finally:
        raise RuntimeError("cannot release the resource")


FACTORIES = {"sync-finalizer": sync_resource, "async-finalizer": async_resource}


class TouchResource:
    """A plain ASGI middleware that uses the request's Resource on every request, so even a
    request that no route matches has a finalizer to run."""

    def __init__(self, app: ASGIApp, container: InjectQ) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.container.aget(Resource)
        await self.app(scope, receive, send)


def make_app(factory: Any) -> FastAPI:
    container = InjectQ()
    container.bind_factory(Resource, factory, scope="scoped")
    app = FastAPI()
    setup_fastapi_integration(app, container)

    @app.get("/items/{item_id}")
    async def item(item_id: int, request: Request, resource: Inject[Resource]) -> dict[str, Any]:
        assert request.client is not None
        return {"item": item_id, "client_port": request.client.port}

    @app.get("/sync/{item_id}")
    def sync_item(item_id: int, resource: Inject[Resource]) -> int:
        return item_id

    @app.websocket("/live/{room}")
    async def live(websocket: WebSocket, room: str, resource: Inject[Resource]) -> None:
        await websocket.accept()
        await websocket.send_text(room)
        await websocket.close()

    return app


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def asgi_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Exception in ASGI application" in r.message]


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
async def test_a_failing_finalizer_is_logged_and_the_keep_alive_connection_serves_every_request(
    factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(factory)
    one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with (
        serving(app) as url,
        httpx.AsyncClient(base_url=url, limits=one_connection) as http,
    ):
        responses = [await http.get(f"/items/{n}") for n in range(20)]
    assert [response.status_code for response in responses] == [200] * 20
    bodies = [response.json() for response in responses]
    assert [body["item"] for body in bodies] == list(range(20))
    assert len({body["client_port"] for body in bodies}) == 1  # the server never closed it
    assert asgi_errors(caplog) == []
    logged = failures(caplog)
    assert len(logged) == 20
    assert all("GET /items/{item_id}" in message for message in logged)
    assert "cannot release the resource" not in logged[0]  # the traceback is in exc_info
    record = next(record for record in caplog.records if record.name == LOGGER)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
@pytest.mark.parametrize("path", ["/items/3", "/sync/3"], ids=["async-endpoint", "sync-endpoint"])
def test_a_failing_finalizer_never_reaches_the_test_client(
    factory: Any, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(factory)
    with TestClient(app) as client:  # raise_server_exceptions=True, the default
        response = client.get(path)
    assert response.status_code == 200
    route = "/items/{item_id}" if path.startswith("/items") else "/sync/{item_id}"
    assert [f"GET {route}" in message for message in failures(caplog)] == [True]


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
async def test_a_failing_finalizer_never_reaches_an_asgi_transport_that_raises_app_errors(
    factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(factory)
    transport = httpx.ASGITransport(app=app)  # raise_app_exceptions=True, the default
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/items/5")
    assert response.json()["item"] == 5
    assert len(failures(caplog)) == 1


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=FACTORIES.keys())
def test_a_failing_finalizer_of_a_websocket_session_is_logged_with_its_path(
    factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(factory)
    with TestClient(app) as client, client.websocket_connect("/live/lobby") as socket:
        assert socket.receive_text() == "lobby"
    logged = failures(caplog)
    assert len(logged) == 1
    assert "WEBSOCKET /live/{room}" in logged[0]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/items/3", "GET /items/{item_id}"),
        ("/nowhere/3", "GET /nowhere/3"),
        ("/shop/items/3", "GET /shop/items/{item_id}"),
    ],
    ids=["route-template", "url-path-when-no-route-matched", "mounted-app-route"],
)
def test_the_failure_names_the_route_template_or_else_the_url_path(
    path: str, named: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(async_resource)
    shop = FastAPI()

    @shop.get("/items/{item_id}")
    async def shop_item(item_id: int) -> int:
        return item_id

    app.mount("/shop", shop)
    container = app.state.injectq_container
    app.add_middleware(TouchResource, container=container)
    with TestClient(app) as client:
        client.get(path)
    logged = failures(caplog)
    assert len(logged) == 1
    assert f"of {named} failed" in logged[0]
