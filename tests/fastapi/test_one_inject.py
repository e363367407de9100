"""One marker: `injectq.Inject[T]` works in endpoints, WebSocket handlers and a user's own
`Depends` functions, whether the module imported the adapter or only FastAPI, and leaves no
trace in OpenAPI. The adapter's `Inject` is the core's."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import typing
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from fastapi import Depends, FastAPI, WebSocket, params
from fastapi.testclient import TestClient

import injectq
import injectq.integrations.fastapi
import injectq_fastapi
from injectq import Inject, InjectQ, is_marker, scoped, transient
from injectq.integrations.fastapi import setup_fastapi_integration


@scoped
class Unit:
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


@transient
class Draft:
    pass


def make_app() -> FastAPI:
    container = InjectQ()
    container.bind(Unit, Unit)
    container.bind(Draft, Draft)
    app = FastAPI()
    setup_fastapi_integration(app, container)

    def unit_id(unit: Inject[Unit]) -> str:  # a user's own Depends
        return unit.id

    @app.get("/items/{item_id}")
    async def item(
        item_id: int, unit: Inject[Unit], via_depends: str = Depends(unit_id)
    ) -> dict[str, Any]:
        return {"item": item_id, "same_unit": unit.id == via_depends}

    @app.get("/drafts")
    def drafts(first: Inject[Draft], second: Inject[Draft]) -> bool:
        return first is not second  # a transient: two parameters, two objects

    @app.websocket("/live")
    async def live(websocket: WebSocket, unit: Inject[Unit]) -> None:
        await websocket.accept()
        await websocket.send_text(unit.id)
        await websocket.close()

    return app


def client(app: FastAPI, *, started: bool) -> AbstractContextManager[TestClient]:
    return TestClient(app) if started else nullcontext(TestClient(app))


def test_the_adapters_inject_is_the_cores() -> None:
    assert injectq_fastapi.Inject is injectq.Inject
    assert injectq.integrations.fastapi.Inject is injectq.Inject


def test_inject_carries_the_core_marker_then_a_fastapi_dependency() -> None:
    _, core, *frameworks = typing.get_args(Inject[Unit])
    assert is_marker(core)
    assert any(isinstance(marker, params.Depends) for marker in frameworks)


@pytest.mark.parametrize("started", [False, True], ids=["dependency-path", "fast-path"])
def test_the_cores_inject_works_in_endpoints_websockets_and_depends_functions(
    started: bool,
) -> None:
    app = make_app()
    with client(app, started=started) as http:
        assert http.get("/items/3").json() == {"item": 3, "same_unit": True}
        assert http.get("/drafts").json() is True
        with http.websocket_connect("/live") as socket:
            assert len(socket.receive_text()) == 32


def test_injected_parameters_leave_no_trace_in_openapi() -> None:
    bare = FastAPI()

    @bare.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {}

    @bare.get("/drafts")
    def drafts() -> bool:
        return True

    injected = make_app()
    assert injected.openapi() == bare.openapi()
    with TestClient(injected):  # the fast path changes nothing either
        injected.openapi_schema = None
        assert injected.openapi() == bare.openapi()


#: a module of routes written with the core's `Inject` only, run in a fresh interpreter so
#: that the order of its imports is the real one
ROUTES = textwrap.dedent(
    """
    import json
    import sys

    order = sys.argv[1]
    if order == "fastapi-then-injectq":
        import fastapi
        from injectq import Inject
    elif order == "injectq-then-fastapi":
        from injectq import Inject
        import fastapi
    else:
        import injectq_fastapi
        from injectq import Inject

    from fastapi import Depends, FastAPI, WebSocket
    from fastapi.testclient import TestClient
    from injectq import InjectQ, scoped

    @scoped
    class Unit:
        pass

    app = FastAPI()

    def unit_of(unit: Inject[Unit]) -> int:
        return id(unit)

    @app.get("/units/{n}")
    async def units(
        n: int, first: Inject[Unit], second: Inject[Unit], via: int = Depends(unit_of)
    ) -> bool:
        return first is second and id(first) == via

    @app.websocket("/live")
    async def live(websocket: WebSocket, unit: Inject[Unit]) -> None:
        await websocket.accept()
        await websocket.send_json(type(unit).__name__)
        await websocket.close()

    loaded = "injectq_fastapi" in sys.modules
    parameters = app.openapi()["paths"]["/units/{n}"]["get"]["parameters"]

    from injectq_fastapi import setup_fastapi_integration

    container = InjectQ()
    container.bind(Unit, Unit)
    setup_fastapi_integration(app, container)
    with TestClient(app) as http, http.websocket_connect("/live") as socket:
        result = {
            "adapter_loaded": loaded,
            "parameters": [p["name"] for p in parameters],
            "same_unit": http.get("/units/1").json(),
            "websocket": socket.receive_json(),
        }
    print(json.dumps(result))
    """
)


@pytest.mark.parametrize("order", ["fastapi-then-injectq", "injectq-then-fastapi", "adapter-first"])
def test_the_cores_inject_works_whether_or_not_the_module_imported_the_adapter(
    order: str,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ROUTES, order],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "adapter_loaded": True,  # through the `injectq.markers` entry point when not imported
        "parameters": ["n"],
        "same_unit": True,
        "websocket": "Unit",
    }
