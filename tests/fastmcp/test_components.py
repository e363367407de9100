"""Resources, resource templates and prompts get a scope per read and render too; so do tools
that FastMCP itself resolves (registered later, mounted from another server, or behind a
FastMCP `Depends()` function)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastmcp import Client, FastMCP
from fastmcp.dependencies import Depends
from mcp.shared.exceptions import MCPError

from injectq.integrations.fastmcp import Inject, InjectQDependency

from .conftest import Shop
from .shop import OrderRepo


def text_of(contents: Any) -> str:
    return str(contents[0].text)


async def test_every_read_of_a_static_resource_has_its_own_scope(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = json.loads(text_of(await client.read_resource("shop://catalog")))
        second = json.loads(text_of(await client.read_resource("shop://catalog")))

    assert first["repo"] != second["repo"]
    assert first["catalog"] == second["catalog"]
    assert [e[2] for e in shop.journal.of("close", "repo")] == [first["repo"], second["repo"]]


async def test_a_uri_template_read_is_injected_and_scoped(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = json.loads(text_of(await client.read_resource("orders://41")))
        second = json.loads(text_of(await client.read_resource("orders://42")))
        templates = await client.list_resource_templates()

    assert (first["order"], second["order"]) == (41, 42)
    assert first["repo"] != second["repo"]
    assert len(shop.journal.of("close", "repo")) == 2
    (template,) = templates
    assert template.uri_template == "orders://{order_id}"


async def test_a_failing_resource_read_hands_its_own_exception_to_finalizers(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        with pytest.raises(MCPError, match="orders://-1"):
            await client.read_resource("orders://-1")
        still = json.loads(text_of(await client.read_resource("orders://5")))

    (failed, *_) = shop.journal.of("error", "repo")
    assert failed[3] == "KeyError"
    assert still["order"] == 5


async def test_every_prompt_render_has_its_own_scope(shop: Shop) -> None:
    async with Client(shop.mcp) as client:
        first = await client.get_prompt("summary", {"topic": "returns"})
        second = await client.get_prompt("summary", {"topic": "returns"})
        prompts = await client.list_prompts()

    texts = [str(result.messages[0].content.text) for result in (first, second)]  # type: ignore[union-attr]
    closed = [e[2] for e in shop.journal.of("close", "repo")]
    assert texts == [f"Summarize returns using repo {number}" for number in closed]
    assert len(set(closed)) == 2
    (prompt,) = prompts
    assert [argument.name for argument in prompt.arguments or []] == ["topic"]


async def test_a_tool_registered_while_the_server_runs_is_injected(shop: Shop) -> None:
    async with Client(shop.mcp) as client:

        @shop.mcp.tool
        async def late(repo: Inject[OrderRepo]) -> int:
            return repo.number

        first = (await client.call_tool("late", {})).data
        second = (await client.call_tool("late", {})).data
        tool = await shop.mcp.get_tool("late")

    assert first != second
    assert tool is not None
    assert tool.parameters["properties"] == {}
    assert [e[2] for e in shop.journal.of("close", "repo")] == [first, second]


def mounted_shop_server() -> FastMCP[Any]:
    """A server without InjectQ of its own, mounted into the shop: FastMCP resolves its
    markers, in the scope the shop's middleware opened."""
    child: FastMCP[Any] = FastMCP("warehouse")

    @child.tool
    async def stock(
        sku: str, repo: Inject[OrderRepo], again: Annotated[OrderRepo, InjectQDependency()]
    ) -> dict[str, Any]:
        return {"sku": sku, "repo": repo.number, "same": repo is again}

    @child.tool
    def restock(sku: str, repo: OrderRepo = InjectQDependency(OrderRepo)) -> str:
        raise PermissionError(f"{sku}: warehouse closed (repo {repo.number})")

    return child


async def test_tools_of_a_mounted_server_run_in_the_callers_scope(shop: Shop) -> None:
    shop.mcp.mount(mounted_shop_server(), namespace="warehouse")
    async with Client(shop.mcp) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        first = (await client.call_tool("warehouse_stock", {"sku": "a"})).data
        second = (await client.call_tool("warehouse_stock", {"sku": "b"})).data
        failed = await client.call_tool("warehouse_restock", {"sku": "c"}, raise_on_error=False)

    assert tools["warehouse_stock"].input_schema["properties"].keys() == {"sku"}
    assert first["same"]
    assert second["same"]
    assert first["repo"] != second["repo"]
    assert failed.is_error
    (error,) = shop.journal.of("error", "repo")
    assert error[3] == "PermissionError"
    assert len(shop.journal.of("close", "repo")) == 3


class Report:
    def __init__(self, repo: OrderRepo) -> None:
        self.repo = repo


def make_report(repo: Inject[OrderRepo]) -> Report:
    return Report(repo)


async def test_a_fastmcp_depends_function_gets_services_of_the_same_call(shop: Shop) -> None:
    @shop.mcp.tool
    async def report(repo: Inject[OrderRepo], report: Report = Depends(make_report)) -> bool:
        return report.repo is repo

    async with Client(shop.mcp) as client:
        assert (await client.call_tool("report", {})).data is True
        assert (await client.call_tool("report", {})).data is True

    assert len(shop.journal.of("close", "repo")) == 2
