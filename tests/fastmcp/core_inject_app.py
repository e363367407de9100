"""A server whose tool, resource, template and prompt use the core's `injectq.Inject[T]`,
declared before InjectQ's FastMCP adapter is imported; for test_inject.py's import-order test.

    python -m tests.fastmcp.core_inject_app framework-first   # fastmcp, then the components
    python -m tests.fastmcp.core_inject_app adapter-first     # the adapter before everything

Prints one JSON object: whether the adapter was imported before and after the components
were declared,
the schemas a client lists, what each component got, and what a client that sends the
injected parameter gets back.

No `from __future__ import annotations`: the annotations are evaluated where they are
written, with the names this script imports as it goes.
"""

import asyncio
import json
import sys
from typing import Any


def main(order: str) -> dict[str, Any]:
    if order == "adapter-first":
        import injectq_fastmcp  # noqa: F401 - the order is what this script tests

    from fastmcp import FastMCP

    from injectq import Inject, InjectQ

    class Repo:
        pass

    mcp: FastMCP[Any] = FastMCP("core-inject")
    adapter_imported_before = "injectq_fastmcp" in sys.modules

    # declared while the adapter may not be imported: `Inject[Repo]` finds FastMCP's marker
    # through the adapter's `injectq.markers` entry point
    @mcp.tool
    async def look_up(order_id: int, repo: Inject[Repo]) -> str:
        return f"order {order_id} with {type(repo).__name__}"

    @mcp.resource("shop://catalog")
    async def catalog(repo: Inject[Repo]) -> str:
        return f"catalog with {type(repo).__name__}"

    @mcp.resource("orders://{order_id}")
    async def order(order_id: int, repo: Inject[Repo]) -> str:
        return f"order {order_id} with {type(repo).__name__}"

    @mcp.prompt
    def summary(topic: str, repo: Inject[Repo]) -> str:
        return f"summarize {topic} with {type(repo).__name__}"

    adapter_imported_after = "injectq_fastmcp" in sys.modules

    from injectq.integrations.fastmcp import setup_fastmcp_integration

    container = InjectQ()
    container.bind(Repo, Repo, scope="scoped")
    setup_fastmcp_integration(mcp, container)
    imported = {"before": adapter_imported_before, "after": adapter_imported_after}
    return asyncio.run(exercise(mcp)) | {"adapter_imported": imported}


async def exercise(mcp: Any) -> dict[str, Any]:
    from fastmcp import Client

    async with Client(mcp) as client:
        (tool,) = await client.list_tools()
        (prompt,) = await client.list_prompts()
        template = await mcp.get_resource_template("orders://{order_id}")
        called = await client.call_tool("look_up", {"order_id": 7})
        forged = await client.call_tool(
            "look_up", {"order_id": 7, "repo": "forged"}, raise_on_error=False
        )
        (catalog,) = await client.read_resource("shop://catalog")
        (order,) = await client.read_resource("orders://8")
        rendered = await client.get_prompt("summary", {"topic": "returns"})
    return {
        "tool_schema": tool.input_schema,
        "template_schema": template.parameters,
        "prompt_arguments": [argument.name for argument in prompt.arguments or []],
        "tool": called.data,
        "forged_is_error": forged.is_error,
        "forged": forged.content[0].text,  # type: ignore[union-attr]
        "resource": catalog.text,  # type: ignore[union-attr]
        "template": order.text,  # type: ignore[union-attr]
        "prompt": rendered.messages[0].content.text,  # type: ignore[union-attr]
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
