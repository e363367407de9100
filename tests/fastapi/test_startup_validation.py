"""The app validates its routes when its lifespan starts."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from injectq import Inject, InjectQ, ValidationError
from injectq_fastapi import setup_fastapi_integration


class Unbound:
    def __init__(self, setting: str) -> None:
        self.setting = setting


def broken_app(*, validate: bool = True) -> FastAPI:
    app = FastAPI()
    setup_fastapi_integration(app, InjectQ(), validate=validate)

    @app.get("/a")
    async def first(service: Inject[Unbound]) -> str:
        return service.setting

    @app.websocket("/live")
    async def live(service: Inject[Unbound]) -> None: ...

    return app


def test_an_app_whose_routes_share_a_missing_binding_fails_to_start_listing_it_once() -> None:
    with pytest.raises(ValidationError) as raised, TestClient(broken_app()):
        pass
    (problem,) = raised.value.errors
    assert problem.entry_points == ("GET /a", "WEBSOCKET /live")


def test_validation_sees_what_the_apps_own_lifespan_binds() -> None:
    app = broken_app()
    container = app.state.injectq_container

    async def bind_it() -> None:
        container.bind(str, "from the lifespan")

    app.router.on_startup.append(bind_it)
    with TestClient(app) as http:
        assert http.get("/a").json() == "from the lifespan"


def test_an_app_set_up_with_validate_false_starts_and_fails_only_the_request() -> None:
    with TestClient(broken_app(validate=False), raise_server_exceptions=False) as http:
        assert http.get("/a").status_code == 500
