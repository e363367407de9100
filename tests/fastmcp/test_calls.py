"""Tool calls through the in-memory client: one scope per call, injection, finalizers."""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Annotated, Any

from fastmcp import Client

from injectq.integrations.fastmcp import Inject, InjectQDependency

from .conftest import Shop
from .shop import OrderRepo


async def test_listed_tools_show_only_the_parameters_a_client_sends(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}

    search = tools["search_orders"].input_schema
    assert search["properties"].keys() == {"query"}
    assert search["required"] == ["query"]
    assert search["additionalProperties"] is False
    assert tools["count_orders"].input_schema["properties"] == {}
    assert tools["whoami"].input_schema["properties"] == {}


async def test_each_of_100_concurrent_calls_gets_its_own_scoped_instance(shop: Shop) -> None:
    arrived: list[int] = []
    all_in = asyncio.Event()

    @shop.mcp.tool
    async def gathered(
        n: int, repo: Inject[OrderRepo], again: Annotated[OrderRepo, InjectQDependency()]
    ) -> dict[str, Any]:
        """Returns once all 100 calls are in flight, so their scopes are open together."""
        arrived.append(n)
        if len(arrived) == 100:
            all_in.set()
        try:
            await asyncio.wait_for(all_in.wait(), 10)
        finally:
            all_in.set()  # one call timing out releases the others: fail fast
        looked_up = await shop.container.aget(OrderRepo)
        return {"n": n, "repo": repo.number, "one_per_call": again is repo is looked_up}

    async with Client(shop.mcp) as client:
        results = await asyncio.gather(
            *(client.call_tool("gathered", {"n": n}) for n in range(100))
        )

    data = [result.data for result in results]
    assert [d["n"] for d in data] == list(range(100))
    assert all(d["one_per_call"] for d in data), "one instance for every parameter of a call"
    repos = {d["repo"] for d in data}
    assert len(repos) == 100, "no two calls share a scoped instance"
    assert len(shop.journal.of("open", "repo")) == 100
    assert shop.journal.events.index(["close", "repo", data[0]["repo"]]) > 100, (
        "all 100 scopes were open at once"
    )
    assert sorted(e[2] for e in shop.journal.of("close", "repo")) == sorted(repos)


async def test_concurrent_calls_share_the_singleton(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        results = await asyncio.gather(
            *(client.call_tool("search_orders", {"query": f"q{n}"}) for n in range(20))
        )

    data = [result.data for result in results]
    assert all(d["one_per_call"] for d in data)
    assert len({d["catalog"] for d in data}) == 1
    assert len(shop.journal.of("open", "catalog")) == 1


async def test_finalizers_run_once_per_call_when_the_call_ends(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = (await client.call_tool("search_orders", {"query": "a"})).data["repo"]
        assert shop.journal.of("close", "repo") == [["close", "repo", first]]
        second = (await client.call_tool("search_orders", {"query": "b"})).data["repo"]

    assert first != second
    assert shop.journal.of("close", "repo") == [["close", "repo", first], ["close", "repo", second]]
    assert shop.journal.of("error", "repo") == []


async def test_finalizers_see_the_exception_the_tool_raised(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        result = await client.call_tool("cancel_order", {"order_id": 7}, raise_on_error=False)

    assert result.is_error
    assert "order 7 not found" in result.content[0].text  # type: ignore[union-attr]
    (opened,) = shop.journal.of("open", "repo")
    # the tool's own LookupError, not the ToolError FastMCP wraps it in
    assert shop.journal.of("error", "repo") == [["error", "repo", opened[2], "LookupError"]]
    assert shop.journal.of("close", "repo") == [["close", "repo", opened[2]]]


async def test_a_sync_tool_runs_in_a_worker_thread_inside_the_calls_scope(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = (await client.call_tool("count_orders", {})).data
        second = (await client.call_tool("count_orders", {})).data

    assert first["same_in_thread"]
    assert second["same_in_thread"]
    assert first["thread"] != threading.current_thread().name
    assert first["repo"] != second["repo"]
    assert len(shop.journal.of("close", "repo")) == 2


async def test_a_factory_gets_the_mcp_context_of_its_call(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        results = await asyncio.gather(*(client.call_tool("whoami", {}) for _ in range(10)))

    data = [result.data for result in results]
    assert all(d["seen_by_factory"] == d["request_id"] for d in data)
    assert len({d["request_id"] for d in data}) == 10


async def test_calls_without_a_client_get_a_scope_too(shop: Shop) -> None:
    first = await shop.mcp.call_tool("search_orders", {"query": "direct"})
    second = await shop.mcp.call_tool("search_orders", {"query": "direct"})

    assert first.structured_content is not None
    assert second.structured_content is not None
    assert first.structured_content["one_per_call"]
    assert first.structured_content["repo"] != second.structured_content["repo"]
    assert len(shop.journal.of("close", "repo")) == 2


class Basket:
    numbers = itertools.count(1)

    def __init__(self) -> None:
        self.number = next(self.numbers)


async def test_the_calls_scope_is_named_request(shop: Shop) -> None:
    shop.container.bind(Basket, Basket, scope="request")

    @shop.mcp.tool
    async def fill_basket(first: Inject[Basket], second: Inject[Basket]) -> list[int]:
        return [first.number, second.number]

    async with Client(shop.mcp) as client:
        one = (await client.call_tool("fill_basket", {})).data
        two = (await client.call_tool("fill_basket", {})).data

    assert one[0] == one[1]
    assert two[0] == two[1]
    assert one[0] != two[0]
