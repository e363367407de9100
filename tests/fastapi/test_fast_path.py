"""The fast path: async endpoints resolve their own injected parameters, without FastAPI's solver.

Every behaviour here holds on both paths: before the app starts (the dependency path) and
after (the fast path), so each test runs its requests on both.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient

from injectq import InjectQ, MissingBindingError, scoped, singleton
from injectq.integrations.fastapi import (
    Inject,
    InjectQDependency,
    route_entry_points,
    setup_fastapi_integration,
)


@scoped
class Unit:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


@singleton
class Settings:
    name = "shop"


class Connection:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


class Missing:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


async def connection() -> AsyncIterator[Connection]:
    yield Connection("sqlite://")


def build() -> FastAPI:
    """An app whose routes are declared after the integration is set up, as apps usually are."""
    container = InjectQ()
    container.bind(Unit, Unit)
    container.bind(Settings, Settings)
    container.bind_factory(Connection, connection, scope="scoped")
    app = FastAPI()
    # GET /missing is broken on purpose (its error at request time is under test)
    setup_fastapi_integration(app, container, validate=False)
    router = APIRouter(prefix="/orders")

    def unit_id(unit: Unit = InjectQDependency(Unit)) -> str:
        return unit.id

    @router.get("/{order_id}")
    async def order(
        order_id: int,
        unit: Inject[Unit],
        settings: Inject[Settings],
        db: Connection = InjectQDependency(Connection),
        seen_by_dependency: str = Depends(unit_id),
    ) -> dict[str, Any]:
        return {
            "order": order_id,
            "same_unit": unit.id == seen_by_dependency,
            "unit": unit.id,
            "settings": settings.name,
            "dsn": db.dsn,
        }

    @app.get("/sync")
    def sync(unit: Inject[Unit]) -> str:
        return unit.id

    @app.get("/missing")
    async def missing(thing: Inject[Missing]) -> str:
        return thing.dsn

    app.include_router(router)
    return app


def injected_dependencies(app: FastAPI, path: str) -> int:
    """How many InjectQ resolvers FastAPI's dependency solver still runs for `path`."""
    route = next(route for route in _all_routes(app) if getattr(route, "path", None) == path)
    return sum(1 for sub in route.dependant.dependencies if hasattr(sub.call, "__injectq_key__"))


def _all_routes(app: FastAPI) -> Iterator[Any]:
    for route in app.router.routes:
        candidates = getattr(route, "effective_candidates", None)
        yield from (candidates() if candidates else [route])


def client(app: FastAPI, *, started: bool) -> AbstractContextManager[TestClient]:
    """A client of the app, with its lifespan run (the fast path) or not (the dependency path)."""
    return TestClient(app) if started else nullcontext(TestClient(app))


@pytest.fixture
def app() -> FastAPI:
    return build()


def test_async_endpoints_leave_fastapis_dependency_solver_once_the_app_starts(app: FastAPI) -> None:
    assert injected_dependencies(app, "/orders/{order_id}") == 3
    with TestClient(app) as http:
        assert injected_dependencies(app, "/orders/{order_id}") == 0
        body = http.get("/orders/7").json()
    assert body["order"] == 7
    assert body["same_unit"]
    assert body["settings"] == "shop"
    assert body["dsn"] == "sqlite://"  # an async generator factory, awaited on the fast path


@pytest.mark.parametrize("started", [False, True], ids=["dependency-path", "fast-path"])
def test_both_paths_give_one_scoped_instance_per_request(app: FastAPI, started: bool) -> None:
    with client(app, started=started) as http:
        first, second = (http.get("/orders/1").json() for _ in range(2))
    assert first["same_unit"]  # the endpoint and a user's Depends see one instance
    assert second["same_unit"]
    assert first["unit"] != second["unit"]


def test_sync_endpoints_keep_the_dependency_path_and_still_get_their_scope(app: FastAPI) -> None:
    with TestClient(app) as http:
        assert injected_dependencies(app, "/sync") == 1
        ids = {http.get("/sync").json() for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("started", [False, True], ids=["dependency-path", "fast-path"])
def test_an_unbound_key_names_the_route_and_the_path_on_both_paths(
    app: FastAPI, started: bool
) -> None:
    with client(app, started=started) as http, pytest.raises(MissingBindingError) as caught:
        http.get("/missing")
    assert "GET /missing -> Missing -> str" in str(caught.value)


def test_validation_sees_the_routes_of_included_routers_and_of_the_fast_path(
    app: FastAPI,
) -> None:
    with TestClient(app):
        entries = {entry.name: set(entry.keys) for entry in route_entry_points(app)}
    assert entries["GET /orders/{order_id}"] >= {Unit, Settings, Connection}
    assert entries["GET /missing"] == {Missing}


def test_the_openapi_schema_is_the_same_on_both_paths(app: FastAPI) -> None:
    def schema() -> dict[str, Any]:
        return get_openapi(title="shop", version="1", routes=app.routes)

    before = schema()
    with TestClient(app):
        after = schema()
    assert before == after
    assert "parameters" in before["paths"]["/orders/{order_id}"]["get"]
    names = {p["name"] for p in before["paths"]["/orders/{order_id}"]["get"]["parameters"]}
    assert names == {"order_id"}
