"""`Inject[T | None]` is None when nothing provides T, and T's instance when something does:
on the fast path (async endpoints) and on FastAPI's dependency path (sync endpoints, a user's
own `Depends` function, WebSocket handlers), by the core's rule for optional parameters."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Protocol

import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient

from injectq import InjectQ, MissingBindingError, ValidationError
from injectq.integrations.fastapi import (
    Inject,
    InjectQDependency,
    route_entry_points,
    setup_fastapi_integration,
)


class IMailer(Protocol):
    def send(self, to: str) -> str: ...


class Mailer:
    def send(self, to: str) -> str:
        return f"sent to {to}"


class Clock:
    """A concrete class: autowirable, so `Inject[Clock | None]` always gets one."""


class Broken:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn


def describe(value: object) -> str:
    return "none" if value is None else type(value).__name__


def make_app(*, bound: bool, validate: bool = True) -> tuple[FastAPI, InjectQ]:
    container = InjectQ()
    if bound:
        container.bind(IMailer, Mailer)
    app = FastAPI()
    setup_fastapi_integration(app, container, validate=validate)

    def mailer_name(mailer: Inject[IMailer | None]) -> str:  # a user's own Depends
        return describe(mailer)

    @app.get("/async")
    async def async_endpoint(mailer: Inject[IMailer | None]) -> str:
        return describe(mailer)

    @app.get("/sync")
    def sync_endpoint(mailer: Inject[IMailer | None]) -> str:
        return describe(mailer)

    @app.get("/depends")
    async def through_depends(name: str = Depends(mailer_name)) -> str:
        return name

    @app.get("/annotated")
    def annotated(
        mailer: Annotated[IMailer | None, InjectQDependency()],
        explicit: IMailer | None = InjectQDependency(IMailer | None),  # type: ignore[arg-type]
    ) -> list[str]:
        return [describe(mailer), describe(explicit)]

    @app.get("/autowired")
    def autowired(clock: Inject[Clock | None]) -> str:
        return describe(clock)

    @app.websocket("/live")
    async def live(websocket: WebSocket, mailer: Inject[IMailer | None]) -> None:
        await websocket.accept()
        await websocket.send_text(describe(mailer))
        await websocket.close()

    return app, container


def client(app: FastAPI, *, started: bool) -> AbstractContextManager[TestClient]:
    """With the lifespan run (async endpoints on the fast path) or not (the dependency path)."""
    return TestClient(app) if started else nullcontext(TestClient(app))


BOUND = pytest.mark.parametrize(
    ("bound", "expected"), [(False, "none"), (True, "Mailer")], ids=["unbound", "bound"]
)
STARTED = pytest.mark.parametrize("started", [False, True], ids=["dependency-path", "fast-path"])


@BOUND
@STARTED
@pytest.mark.parametrize("path", ["/async", "/sync", "/depends"])
def test_an_optional_parameter_is_none_unless_something_provides_its_type(
    bound: bool, expected: str, started: bool, path: str
) -> None:
    app, _ = make_app(bound=bound)
    with client(app, started=started) as http:
        response = http.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == expected


@BOUND
def test_both_marker_spellings_of_an_optional_key_are_optional(bound: bool, expected: str) -> None:
    app, _ = make_app(bound=bound)
    with TestClient(app) as http:
        assert http.get("/annotated").json() == [expected, expected]


@BOUND
def test_an_optional_parameter_of_a_websocket_handler(bound: bool, expected: str) -> None:
    app, _ = make_app(bound=bound)
    with TestClient(app) as http, http.websocket_connect("/live") as socket:
        assert socket.receive_text() == expected


def test_an_optional_autowirable_class_is_built() -> None:
    app, _ = make_app(bound=False)
    with TestClient(app) as http:
        assert http.get("/autowired").json() == "Clock"


def test_an_override_provides_an_optional_key() -> None:
    app, container = make_app(bound=False)
    with container.override(IMailer, Mailer()), TestClient(app) as http:
        assert http.get("/sync").json() == "Mailer"
    with TestClient(app) as http:
        assert http.get("/sync").json() == "none"


def test_validation_accepts_an_unbound_optional_key_on_every_path() -> None:
    app, container = make_app(bound=False)
    container.validate(entry_points=route_entry_points(app))  # before start: dependency path
    with TestClient(app):
        container.validate(entry_points=route_entry_points(app))  # the fast path too


@STARTED
def test_an_optional_key_whose_own_dependency_is_missing_names_the_route_and_path(
    started: bool,
) -> None:
    # broken on purpose: its error at request time is under test
    app, container = make_app(bound=False, validate=False)
    container.bind(Broken, Broken)

    @app.get("/broken")
    async def broken(value: Inject[Broken | None]) -> str:
        return describe(value)

    with pytest.raises(ValidationError, match="GET /broken -> Broken -> str"):
        container.validate(entry_points=route_entry_points(app))
    with client(app, started=started) as http, pytest.raises(MissingBindingError) as raised:
        http.get("/broken")
    assert "path: GET /broken -> Broken -> str\n" in str(raised.value)
