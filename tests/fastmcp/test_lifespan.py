"""Singletons: shared by every call, closed when the server's lifespan ends (after the
server's own lifespan, which still sees them), or, when other runtimes serve the same
container, when the last of them ends."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastmcp import Client, FastMCP

from injectq import InjectQ
from injectq.integrations.fastmcp import Inject, setup_fastmcp_integration
from tests._journal import Journal

from .conftest import Shop


async def test_a_singleton_is_shared_by_calls_and_closed_when_the_lifespan_ends(
    shop: Shop,
) -> None:
    async with Client(shop.mcp) as client:
        first = (await client.call_tool("search_orders", {"query": "a"})).data
        second = (await client.call_tool("search_orders", {"query": "b"})).data
        catalog = json_of(await client.read_resource("shop://catalog"))
        assert shop.journal.of("close", "catalog") == []

    assert first["catalog"] == second["catalog"] == catalog["catalog"]
    assert shop.journal.of("open", "catalog") == [["open", "catalog", first["catalog"]]]
    assert shop.journal.of("close", "catalog") == [["close", "catalog", first["catalog"]]]


async def test_the_servers_own_lifespan_runs_inside_the_containers_lifetime(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        await client.call_tool("search_orders", {"query": "a"})

    lifecycle = [e for e in shop.journal.events if e[0] == "lifespan" or e[1] == "catalog"]
    assert [e[:2] for e in lifecycle] == [
        ["lifespan", "start"],
        ["open", "catalog"],
        ["lifespan", "end"],
        ["close", "catalog"],
    ]


async def test_the_next_lifespan_makes_new_singletons(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = (await client.call_tool("search_orders", {"query": "a"})).data["catalog"]
    async with Client(shop.mcp) as client:
        second = (await client.call_tool("search_orders", {"query": "a"})).data["catalog"]

    assert first != second
    assert [e[2] for e in shop.journal.of("close", "catalog")] == [first, second]


class Pool:
    pass


def failing_pool() -> Iterator[Pool]:
    yield Pool()
    raise ConnectionError("pool did not close")


async def test_a_failing_singleton_finalizer_is_logged_and_the_lifespan_still_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(server: FastMCP[Any]) -> AsyncIterator[dict[str, Any]]:
        yield {"ready": True}
        events.append("own lifespan ended")

    container = InjectQ()
    container.bind_factory(Pool, failing_pool, scope="singleton")
    mcp: FastMCP[Any] = FastMCP("pool", lifespan=lifespan)

    @mcp.tool
    async def use(pool: Inject[Pool]) -> bool:
        return isinstance(pool, Pool)

    setup_fastmcp_integration(mcp, container)
    with caplog.at_level(logging.ERROR, logger="injectq.fastmcp"):
        async with Client(mcp) as client:
            assert (await client.call_tool("use", {})).data is True

    assert events == ["own lifespan ended"]
    (record,) = [r for r in caplog.records if r.name == "injectq.fastmcp"]
    assert "singletons" in record.getMessage()
    assert "pool did not close" in (record.exc_text or "")


def json_of(contents: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(contents[0].text)
    return parsed


class SharedPool:
    pass


def shared_pool_container(journal: Journal) -> InjectQ:
    container = InjectQ()
    container[Journal] = journal

    async def shared_pool(journal: Journal) -> AsyncIterator[SharedPool]:
        journal.add("open", "pool")
        yield SharedPool()
        journal.add("close", "pool")

    container.bind_factory(SharedPool, shared_pool, scope="singleton")
    return container


def pool_server(container: InjectQ, name: str) -> FastMCP[Any]:
    mcp: FastMCP[Any] = FastMCP(name)
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def pool_id(pool: Inject[SharedPool]) -> int:
        return id(pool)

    return mcp


async def test_a_singleton_shared_with_a_runtime_that_ends_later_closes_after_it(
    journal: Journal,
) -> None:
    container = shared_pool_container(journal)
    mcp = pool_server(container, "pools")

    async with container.lifespan("other"):
        async with Client(mcp) as client:
            served = (await client.call_tool("pool_id", {})).data
        assert journal.of("close", "pool") == [], "the other runtime still serves the container"
        assert id(await container.aget(SharedPool)) == served, "one singleton for both runtimes"

    assert journal.of("open", "pool") == [["open", "pool"]]
    assert journal.of("close", "pool") == [["close", "pool"]]
    assert container.lifespans_open == 0


async def test_a_singleton_shared_with_a_runtime_that_ends_first_closes_after_the_server(
    journal: Journal,
) -> None:
    container = shared_pool_container(journal)
    mcp = pool_server(container, "pools")

    async with Client(mcp) as client:
        async with container.lifespan("other"):
            served = (await client.call_tool("pool_id", {})).data
            assert id(await container.aget(SharedPool)) == served
        assert journal.of("close", "pool") == [], "the server still serves the container"
        assert (await client.call_tool("pool_id", {})).data == served

    assert journal.of("open", "pool") == [["open", "pool"]]
    assert journal.of("close", "pool") == [["close", "pool"]]
    assert container.lifespans_open == 0


async def test_two_servers_on_one_container_share_its_singletons_until_the_last_stops(
    journal: Journal,
) -> None:
    container = shared_pool_container(journal)
    first, second = pool_server(container, "first"), pool_server(container, "second")

    async with Client(first) as first_client:
        async with Client(second) as second_client:
            one = (await first_client.call_tool("pool_id", {})).data
            two = (await second_client.call_tool("pool_id", {})).data
        assert journal.of("close", "pool") == [], "the first server still runs"
        again = (await first_client.call_tool("pool_id", {})).data

    assert one == two == again
    assert journal.of("open", "pool") == [["open", "pool"]]
    assert journal.of("close", "pool") == [["close", "pool"]]
