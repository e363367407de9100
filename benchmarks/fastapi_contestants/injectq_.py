"""InjectQ's FastAPI adapter: ``setup_fastapi_integration`` and ``Inject[T]`` parameters.

The adapter's ASGI middleware opens one InjectQ scope per request; the Session is bound
``scoped`` (one per request, autowired from its ``__init__``), the Settings ``singleton``.
"""

from _fastapi_harness import FastapiCase
from _unit_model import Session, Settings, item_payload
from fastapi import FastAPI

from injectq import InjectQ
from injectq.integrations.fastapi import Inject, setup_fastapi_integration


def build() -> FastapiCase:
    container = InjectQ()
    container.bind(Settings, Settings, scope="singleton")
    container.bind(Session, Session, scope="scoped")
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, session: Inject[Session], settings: Inject[Settings]):
        return item_payload(item_id, session, settings)

    setup_fastapi_integration(app, container)
    return FastapiCase(app, "scoped Session, singleton Settings, Inject[T] parameters")
