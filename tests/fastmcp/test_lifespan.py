"""Singletons: shared by every call, closed when the server's lifespan ends (after the
server's own lifespan, which still sees them)."""

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
