"""One `Inject`: the core's `injectq.Inject[T]` works in tools, resources, resource templates,
prompts and FastMCP `Depends()` functions, hidden from what a client sees and sends, whichever
of FastMCP and the adapter is imported first; `Inject[T | None]` is None when nothing
provides T."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastmcp import Client, FastMCP
from fastmcp.dependencies import Depends

import injectq
import injectq_fastmcp
from injectq import Inject, InjectQ
from injectq.integrations.fastmcp import setup_fastmcp_integration

ROOT = Path(__file__).resolve().parents[2]


def test_the_adapters_inject_is_the_cores() -> None:
    assert injectq_fastmcp.Inject is injectq.Inject


class Repo:
    pass


def core_inject_server() -> FastMCP[Any]:
    container = InjectQ()
    container.bind(Repo, Repo, scope="scoped")
    mcp: FastMCP[Any] = FastMCP("core-inject")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def look_up(order_id: int, repo: Inject[Repo]) -> str:
        return f"order {order_id} with {type(repo).__name__}"

    @mcp.tool
    def count(repo: Inject[Repo]) -> str:  # a sync tool
        return f"counted with {type(repo).__name__}"

    @mcp.resource("shop://catalog")
    async def catalog(repo: Inject[Repo]) -> str:
        return f"catalog with {type(repo).__name__}"

    @mcp.resource("orders://{order_id}")
    async def order(order_id: int, repo: Inject[Repo]) -> str:
        return f"order {order_id} with {type(repo).__name__}"

    @mcp.prompt
    def summary(topic: str, repo: Inject[Repo]) -> str:
        return f"summarize {topic} with {type(repo).__name__}"

    return mcp


async def test_the_cores_inject_is_injected_into_tools_resources_templates_and_prompts() -> None:
    async with Client(core_inject_server()) as client:
        looked_up = (await client.call_tool("look_up", {"order_id": 7})).data
        counted = (await client.call_tool("count", {})).data
        (catalog,) = await client.read_resource("shop://catalog")
        (order,) = await client.read_resource("orders://8")
        rendered = await client.get_prompt("summary", {"topic": "returns"})

    assert looked_up == "order 7 with Repo"
    assert counted == "counted with Repo"
    assert catalog.text == "catalog with Repo"  # type: ignore[union-attr]
    assert order.text == "order 8 with Repo"  # type: ignore[union-attr]
    assert rendered.messages[0].content.text == "summarize returns with Repo"  # type: ignore[union-attr]


async def test_no_schema_a_client_lists_shows_a_parameter_of_the_cores_inject() -> None:
    mcp = core_inject_server()
    async with Client(mcp) as client:
        tools = {tool.name: tool.input_schema for tool in await client.list_tools()}
        (template,) = await client.list_resource_templates()
        (prompt,) = await client.list_prompts()
    parameters = (await mcp.get_resource_template("orders://{order_id}")).parameters  # type: ignore[union-attr]

    assert tools["look_up"]["properties"].keys() == {"order_id"}
    assert tools["look_up"]["required"] == ["order_id"]
    assert tools["count"]["properties"] == {}
    assert parameters["properties"].keys() == {"order_id"}
    assert template.uri_template == "orders://{order_id}"
    assert [argument.name for argument in prompt.arguments or []] == ["topic"]
    listed = json.dumps([tools, parameters, prompt.model_dump(mode="json")])
    assert "repo" not in listed
    assert "Repo" not in listed


async def test_a_client_cannot_supply_a_parameter_of_the_cores_inject() -> None:
    async with Client(core_inject_server()) as client:
        sent = await client.call_tool(
            "look_up", {"order_id": 7, "repo": "forged"}, raise_on_error=False
        )
        # FastMCP drops a dependency's name from a prompt's arguments: the service is used
        rendered = await client.get_prompt("summary", {"topic": "returns", "repo": "forged"})

    assert sent.is_error
    assert "Unexpected keyword argument" in sent.content[0].text  # type: ignore[union-attr]
    assert rendered.messages[0].content.text == "summarize returns with Repo"  # type: ignore[union-attr]


@pytest.mark.parametrize("order", ["framework-first", "adapter-first"])
def test_the_cores_inject_works_whether_or_not_the_adapter_was_imported_first(
    order: str,
) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "tests.fastmcp.core_inject_app", order],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout.splitlines()[-1])

    # framework-first: the components were declared before anything imported the adapter;
    # `Inject[T]` loaded it through its `injectq.markers` entry point
    assert seen["adapter_imported"] == {"before": order == "adapter-first", "after": True}
    assert seen["tool_schema"]["properties"].keys() == {"order_id"}
    assert seen["template_schema"]["properties"].keys() == {"order_id"}
    assert seen["prompt_arguments"] == ["topic"]
    assert seen["tool"] == "order 7 with Repo"
    assert seen["resource"] == "catalog with Repo"
    assert seen["template"] == "order 8 with Repo"
    assert seen["prompt"] == "summarize returns with Repo"
    assert seen["forged_is_error"]
    assert "Unexpected keyword argument" in seen["forged"]


class Gateway(Protocol):
    """Not autowirable: provided only when bound."""

    def name(self) -> str: ...


class Stripe:
    def name(self) -> str:
        return "stripe"


def describe(gateway: Gateway | None) -> str:
    return "none" if gateway is None else gateway.name()


def gateway_via_depends(gateway: Inject[Gateway | None]) -> str:
    return describe(gateway)


def optional_server(*, bound: bool) -> FastMCP[Any]:
    container = InjectQ()
    if bound:
        container.bind(Gateway, Stripe, scope="scoped")
    mcp: FastMCP[Any] = FastMCP("optional")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def pay(gateway: Inject[Gateway | None]) -> str:
        return describe(gateway)

    @mcp.tool
    def pay_sync(gateway: Inject[Gateway | None]) -> str:
        return describe(gateway)

    @mcp.tool
    async def pay_through_depends(gateway: str = Depends(gateway_via_depends)) -> str:
        return gateway

    @mcp.resource("payments://gateway")
    async def gateway_resource(gateway: Inject[Gateway | None]) -> str:
        return describe(gateway)

    @mcp.resource("payments://{cents}")
    async def payment(cents: int, gateway: Inject[Gateway | None]) -> str:
        return f"{cents} by {describe(gateway)}"

    @mcp.prompt
    def payment_prompt(topic: str, gateway: Inject[Gateway | None]) -> str:
        return f"{topic} by {describe(gateway)}"

    return mcp


@pytest.mark.parametrize(("bound", "expected"), [(False, "none"), (True, "stripe")])
async def test_an_optional_inject_is_none_unless_something_provides_the_service(
    bound: bool, expected: str
) -> None:
    # the server starts either way: validation takes `T | None` as satisfied by None
    async with Client(optional_server(bound=bound)) as client:
        tool = (await client.call_tool("pay", {})).data
        sync_tool = (await client.call_tool("pay_sync", {})).data
        through_depends = (await client.call_tool("pay_through_depends", {})).data
        (resource,) = await client.read_resource("payments://gateway")
        (template,) = await client.read_resource("payments://100")
        prompt = await client.get_prompt("payment_prompt", {"topic": "refund"})
        schemas = {tool.name: tool.input_schema for tool in await client.list_tools()}

    assert [tool, sync_tool, through_depends] == [expected] * 3
    assert resource.text == expected  # type: ignore[union-attr]
    assert template.text == f"100 by {expected}"  # type: ignore[union-attr]
    assert prompt.messages[0].content.text == f"refund by {expected}"  # type: ignore[union-attr]
    assert all(schema["properties"] == {} for schema in schemas.values())


class Receipt:
    """A plain class nothing binds: InjectQ autowires it, so it counts as provided."""


def receipt_via_depends(receipt: Inject[Receipt | None]) -> str:
    return type(receipt).__name__


async def test_an_optional_inject_of_a_class_injectq_can_build_gets_it_built() -> None:
    mcp: FastMCP[Any] = FastMCP("autowired")
    setup_fastmcp_integration(mcp, InjectQ())

    @mcp.tool
    async def tool(receipt: Inject[Receipt | None]) -> str:
        return type(receipt).__name__

    @mcp.tool
    async def through_depends(receipt: str = Depends(receipt_via_depends)) -> str:
        return receipt

    @mcp.resource("receipts://latest")
    async def resource(receipt: Inject[Receipt | None]) -> str:
        return type(receipt).__name__

    @mcp.prompt
    def prompt(receipt: Inject[Receipt | None]) -> str:
        return type(receipt).__name__

    async with Client(mcp) as client:
        seen = [
            (await client.call_tool("tool", {})).data,
            (await client.call_tool("through_depends", {})).data,
            (await client.read_resource("receipts://latest"))[0].text,  # type: ignore[union-attr]
            (await client.get_prompt("prompt", {})).messages[0].content.text,  # type: ignore[union-attr]
        ]

    assert seen == ["Receipt"] * 4
