"""dishka's FastAPI integration: ``setup_dishka``, ``@inject`` and ``FromDishka[T]``.

The Session is provided in ``Scope.REQUEST`` (dishka's middleware opens a request container
per request), the Settings in ``Scope.APP``; ``FastapiProvider`` supplies the ``Request`` as
dishka's documentation sets it up, and the app's lifespan closes the container.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from _fastapi_harness import FastapiCase
from _unit_model import Session, Settings, item_payload
from dishka import Provider, Scope, make_async_container
from dishka.integrations.fastapi import FastapiProvider, FromDishka, inject, setup_dishka
from fastapi import FastAPI


def build() -> FastapiCase:
    provider = Provider()
    provider.provide(Settings, scope=Scope.APP)
    provider.provide(Session, scope=Scope.REQUEST)
    container = make_async_container(provider, FastapiProvider())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await container.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}")
    @inject
    async def read_item(item_id: int, session: FromDishka[Session], settings: FromDishka[Settings]):
        return item_payload(item_id, session, settings)

    setup_dishka(container, app)
    return FastapiCase(app, "REQUEST-scoped Session, APP-scoped Settings, @inject")
