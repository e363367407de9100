"""A tool supplies the propagated values of the work it hands off: the propagated key is bound
scoped, with a factory that builds it from the call's MCP `Context`, so `export_context()`
inside the tool (what a broker does when the tool sends a task) has it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastmcp import Client, Context, FastMCP
from fastmcp.exceptions import ToolError
from taskiq import InMemoryBroker

from injectq import Inject, InjectQ
from injectq.integrations.fastmcp import setup_fastmcp_integration
from injectq.integrations.taskiq import setup_taskiq_integration


@dataclass(frozen=True)
class Correlation:
    """Propagated: travels with the work a tool call hands off."""

    correlation_id: str
    client_id: str


def correlation(context: Context) -> Correlation:
    return Correlation(f"mcp-{context.request_id}", context.client_id or "unknown")


@dataclass(frozen=True)
class Tenant:
    """Propagated too, but nothing in an MCP call provides it."""

    name: str


def propagating_server() -> tuple[FastMCP[Any], InjectQ]:
    container = InjectQ()
    container.bind_factory(Correlation, correlation, scope="scoped")
    container.propagate(Correlation)
    mcp: FastMCP[Any] = FastMCP("propagating")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def hand_off(ctx: Context) -> dict[str, Any]:
        return {"request_id": ctx.request_id, "carried": container.export_context()}

    @mcp.tool
    def hand_off_in_a_thread() -> dict[str, str]:
        return container.export_context()

    return mcp, container


async def test_export_context_inside_a_tool_call_has_the_value_made_from_the_mcp_context() -> None:
    # (the server starts: validation takes the MCP Context as supplied to the factory)
    mcp, container = propagating_server()

    async with Client(mcp) as client:
        first = (await client.call_tool("hand_off", {}, meta={"client_id": "desk-7"})).data
        second = (await client.call_tool("hand_off", {})).data
        in_thread = (await client.call_tool("hand_off_in_a_thread", {})).data

    assert json.loads(first["carried"]["injectq_ctx:Correlation"]) == {
        "correlation_id": f"mcp-{first['request_id']}",
        "client_id": "desk-7",
    }
    assert container.import_context(second["carried"]) == {
        Correlation: Correlation(f"mcp-{second['request_id']}", "unknown")
    }
    assert first["request_id"] != second["request_id"]
    assert list(in_thread) == ["injectq_ctx:Correlation"]


async def test_a_task_sent_from_a_tool_receives_the_tools_propagated_value() -> None:
    mcp, container = propagating_server()
    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, container)

    @broker.task(task_name="audit")
    async def audit(seen: Inject[Correlation]) -> str:
        return f"{seen.correlation_id} from {seen.client_id}"

    @mcp.tool
    async def audited(ctx: Context) -> dict[str, Any]:
        sent = await audit.kiq()
        result = await sent.wait_result(timeout=5)
        return {"request_id": ctx.request_id, "audit": result.return_value}

    await broker.startup()
    try:
        async with Client(mcp) as client:
            called = (await client.call_tool("audited", {}, meta={"client_id": "desk-7"})).data
    finally:
        await broker.shutdown()

    assert called["audit"] == f"mcp-{called['request_id']} from desk-7"


async def test_a_value_the_receiver_needs_and_no_tool_provides_fails_naming_the_tool() -> None:
    mcp, container = propagating_server()
    container.propagate(Tenant)

    @mcp.tool
    async def hand_off_to_billing() -> dict[str, str]:
        return container.export_context(required={Tenant}, receiver="task billing.invoice")

    async with Client(mcp) as client:
        with pytest.raises(ToolError, match="tool hand_off_to_billing") as raised:
            await client.call_tool("hand_off_to_billing", {})

    assert "task billing.invoice needs Tenant" in str(raised.value)
