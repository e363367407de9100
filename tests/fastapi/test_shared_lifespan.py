"""One container served by the app and by another runtime in the same process (a broker, an
MCP server): its singletons close once, after the last of them ends, not when the app stops."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from injectq import Inject, InjectQ
from injectq.integrations.fastapi import setup_fastapi_integration
from tests._journal import Journal


class Pool:
    pass


def make_app(journal: Journal) -> tuple[FastAPI, InjectQ]:
    container = InjectQ()

    async def pool() -> AsyncIterator[Pool]:
        journal.add("open", "pool")
        yield Pool()
        journal.add("close", "pool")

    container.bind_factory(Pool, pool, scope="singleton")
    app = FastAPI(title="shop")
    setup_fastapi_integration(app, container)

    @app.get("/pool")
    async def pool_id(pool: Inject[Pool]) -> int:
        return id(pool)

    return app, container


async def get_pool_id(app: FastAPI) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        pool_id: int = (await http.get("/pool")).json()
    return pool_id


async def test_a_singleton_shared_with_a_runtime_that_ends_later_closes_after_it(
    journal: Journal,
) -> None:
    app, container = make_app(journal)
    async with container.lifespan("the worker"):
        async with app.router.lifespan_context(app):  # the app's lifespan, as a server runs it
            served = await get_pool_id(app)
            assert container.lifespans_open == 2
        assert journal.of("close", "pool") == [], "the worker still serves the container"
        assert id(await container.aget(Pool)) == served, "one singleton for both runtimes"
    assert journal.events == [["open", "pool"], ["close", "pool"]]
    assert container.lifespans_open == 0


async def test_the_apps_singletons_close_when_it_is_the_last_runtime(journal: Journal) -> None:
    app, container = make_app(journal)
    async with app.router.lifespan_context(app):
        await get_pool_id(app)
    assert journal.events == [["open", "pool"], ["close", "pool"]]
    assert container.lifespans_open == 0
