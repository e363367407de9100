"""wireup's FastAPI integration: ``wireup.integration.fastapi.setup`` and ``Injected[T]``.

The Session is an ``injectable`` with ``lifetime="scoped"``, the Settings ``"singleton"``.
The route is on an ``APIRouter(route_class=WireupRoute)``, which wireup's documentation
recommends for speed: it hides the ``Injected`` parameters from FastAPI (without it, FastAPI
runs a placeholder sync dependency per parameter in its thread pool on every request).
``setup`` comes after the route, as documented; it wraps the endpoint so that each call
enters a wireup scope (the default, not ``middleware_mode``), and closes the container when
the app's lifespan ends.
"""

from _fastapi_harness import FastapiCase
from _unit_model import Session, Settings, item_payload
from fastapi import APIRouter, FastAPI
from wireup import Injected, create_async_container, injectable
from wireup.integration.fastapi import WireupRoute, setup


def build() -> FastapiCase:
    container = create_async_container(
        injectables=[
            injectable(Settings, lifetime="singleton"),
            injectable(Session, lifetime="scoped"),
        ]
    )
    router = APIRouter(route_class=WireupRoute)

    @router.get("/items/{item_id}")
    async def read_item(item_id: int, session: Injected[Session], settings: Injected[Settings]):
        return item_payload(item_id, session, settings)

    app = FastAPI()
    app.include_router(router)
    setup(container, app)
    return FastapiCase(app, "scoped Session, singleton Settings, Injected[T], WireupRoute")
