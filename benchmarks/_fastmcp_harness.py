"""How the FastMCP suite drives a server: tool calls, directly or through an in-memory client.

One timed run is one call of the contestant's tool ``item`` with ``{"item_id": 42}``:

- directly, ``await server.call_tool("item", {...})``: no transport and no MCP messages, so
  what is measured is FastMCP's dispatch (its middleware chain, finding the tool, validating
  the arguments, the dependency system, the tool, converting the result);
- through ``fastmcp.Client(server)``, FastMCP's in-memory transport: one client session is
  opened before the first call and kept for all of them, so each call is a JSON-RPC request
  and response through the client session, the low-level MCP server and its handlers too.

Either way the server runs as it does when served: its lifespan is started before the first
call and shut down after the timed rounds, by ``Held``, in an asyncio task of its own (the
client enters the lifespan itself, as every FastMCP transport does). ``check_results`` is
the check of two calls; ``check_schema`` checks, once the server is up, that the injected
parameters are hidden from the tool's input schema.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from _suite import expect
from _unit_model import ITEM_ID, check_payloads
from fastmcp import Client, FastMCP
from mcp.types import TextContent

TOOL = "item"
"""The name every contestant's tool is registered under."""

ARGUMENTS: dict[str, Any] = {"item_id": ITEM_ID}
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"item_id": {"type": "integer"}},
    "required": ["item_id"],
    "additionalProperties": False,
}
"""The input schema every contestant's tool must have: only the argument, nothing injected."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FastmcpCase:
    """What a contestant's ``build()`` returns: its server, with the tool ``item``."""

    server: FastMCP[Any]
    note: str = ""


class Held(Generic[T]):
    """An async context manager held open in an asyncio task of its own, from ``start()``
    to ``stop()``: a server's lifespan, or a client session.

    Entering it in a task of its own keeps its context variables and cancel scopes out of
    the runner's context, which every contestant's runs share.
    """

    def __init__(self, factory: Callable[[], AbstractAsyncContextManager[T]]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._entered = asyncio.Event()
        self._leave = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def value(self) -> T:
        if self._value is None:
            raise RuntimeError("not started")
        return self._value

    async def _hold(self) -> None:
        async with self._factory() as value:
            self._value = value
            self._entered.set()
            await self._leave.wait()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._hold())
        entered = asyncio.ensure_future(self._entered.wait())
        await asyncio.wait((entered, self._task), return_when=asyncio.FIRST_COMPLETED)
        if not entered.done():
            entered.cancel()
            self._task.result()  # raises what entering raised
            raise RuntimeError("the context ended before it was entered")

    async def stop(self) -> None:
        self._leave.set()
        if self._task is not None:
            await self._task


def lifespan(server: FastMCP[Any]) -> Held[None]:
    """The server's lifespan, entered the way FastMCP's own transports enter it."""
    return Held(server._lifespan_manager)  # FastMCP has no public way to run it alone


def client(server: FastMCP[Any]) -> Held[Client[Any]]:
    """One in-memory client session (which runs the server's lifespan) for every call."""
    return Held(lambda: Client(server))


async def check_schema(server: FastMCP[Any]) -> None:
    """The tool exists and its input schema is the argument alone (injection is hidden)."""
    tool = await server.get_tool(TOOL)
    if tool is None:
        raise RuntimeError(f"the server has no tool {TOOL!r}")
    shown = sorted(tool.parameters.get("properties", {}))
    if shown != ["item_id"]:
        raise RuntimeError(f"the tool's input schema shows {shown}, not just ['item_id']")
    if tool.parameters != INPUT_SCHEMA:
        raise RuntimeError(f"the tool's input schema is {tool.parameters}, not {INPUT_SCHEMA}")


def direct_runner(server: FastMCP[Any]) -> Callable[[], Awaitable[object]]:
    """One timed run: ``await server.call_tool(...)``, returning its ``ToolResult``."""
    call_tool = server.call_tool

    async def run() -> object:
        return await call_tool(TOOL, ARGUMENTS)

    return run


def client_runner(held: Held[Client[Any]]) -> Callable[[], Awaitable[object]]:
    """One timed run: ``await client.call_tool(...)``, returning its ``CallToolResult``."""

    async def run() -> object:
        return await held.value.call_tool(TOOL, ARGUMENTS)

    return run


def _structured(result: object) -> dict[str, Any]:
    """The structured content of one call's result, after checking that the call succeeded
    and that its text content says the same."""
    name = type(result).__name__
    expect(hasattr(result, "structured_content"), f"a call returned a {name}, not a result")
    expect(not getattr(result, "is_error", False), f"the call failed: {result!r:.200}")
    structured = getattr(result, "structured_content", None)
    expect(isinstance(structured, dict), f"the structured content is {structured!r:.120}")
    content = getattr(result, "content", None)
    expect(
        isinstance(content, list) and len(content) == 1 and isinstance(content[0], TextContent),
        f"the content is {content!r:.120}, not one text block",
    )
    assert isinstance(content, list)
    text = cast("TextContent", content[0]).text
    expect(json.loads(text) == structured, f"the text {text!r:.120} differs from the structure")
    return cast("dict[str, Any]", structured)


def check_results(first: object, second: object) -> None:
    """Both calls: the argument's item id; each had a Session of its own, built from the
    Settings singleton that both calls were given."""
    check_payloads([_structured(first), _structured(second)], giver="the tool", unit="call")
