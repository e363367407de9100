"""A server whose every tool, resource, template and prompt uses a scoped service with a
finalizer that fails (or, to compare with, one that does not); for test_finalizer_failures.py.

The finalizer records what the call ended with (the exception thrown into it) in a journal,
then raises ConnectionError when the server is built with `fail=True`. Run over stdio:

    python -m tests.fastmcp.flaky_app JOURNAL_FILE fail|keep

which logs to stderr (`name LEVEL message`, then the traceback).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastmcp import Client, FastMCP
from fastmcp.exceptions import ToolError

from injectq import Inject, InjectQ
from injectq.integrations.fastmcp import setup_fastmcp_integration
from tests._journal import Journal


class Flaky:
    """A scoped service whose release may fail."""


def build(journal: Journal, *, fail: bool) -> FastMCP[Any]:
    container = InjectQ()
    container[Journal] = journal

    async def flaky(journal: Journal) -> AsyncIterator[Flaky]:
        ended_with: BaseException | None = None
        try:
            yield Flaky()
        except BaseException as error:
            ended_with = error
            raise
        finally:
            if ended_with is None:
                journal.add("finalizer saw", None, None)
            else:
                journal.add("finalizer saw", type(ended_with).__name__, str(ended_with))
            if fail:
                raise ConnectionError("could not release")

    container.bind_factory(Flaky, flaky, scope="scoped")
    mcp: FastMCP[Any] = FastMCP("flaky")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def works(service: Inject[Flaky]) -> dict[str, str]:
        return {"result": "done"}

    @mcp.tool
    async def refuses(service: Inject[Flaky]) -> str:
        raise ToolError("refused on purpose")

    @mcp.tool
    async def breaks(service: Inject[Flaky]) -> str:
        raise ValueError("the tool's own error")

    @mcp.tool
    def breaks_in_a_thread(service: Inject[Flaky]) -> str:
        raise ValueError("the sync tool's own error")

    @mcp.resource("flaky://status")
    async def status(service: Inject[Flaky]) -> str:
        return "fine"

    @mcp.resource("flaky://items/{number}")
    async def item(number: int, service: Inject[Flaky]) -> str:
        return f"item {number}"

    @mcp.prompt
    def ask(topic: str, service: Inject[Flaky]) -> str:
        return f"tell me about {topic}"

    return mcp


#: the components `exercise` uses, in order, as the InjectQ log names them
UNITS_OF_WORK = (
    "tool works",
    "tool refuses",
    "tool breaks",
    "tool breaks_in_a_thread",
    "resource flaky://status",
    "resource flaky://items/3",
    "prompt ask",
    "tool works",
)


async def exercise(client: Client[Any]) -> list[Any]:
    """Use every component once (`UNITS_OF_WORK`); returns what the client received, in a
    form that compares equal between two runs."""
    received: list[Any] = []
    for tool in ("works", "refuses", "breaks", "breaks_in_a_thread"):
        result = await client.call_tool(tool, {}, raise_on_error=False)
        texts = [getattr(content, "text", None) for content in result.content]
        received.append([tool, result.is_error, texts, result.structured_content])
    for uri in ("flaky://status", "flaky://items/3"):
        contents = await client.read_resource(uri)
        received.append([uri, [getattr(content, "text", None) for content in contents]])
    prompt = await client.get_prompt("ask", {"topic": "ducks"})
    received.append(["ask", [message.content.model_dump() for message in prompt.messages]])
    again = await client.call_tool("works", {})
    received.append(["works again", again.data])
    return received


def main(arguments: list[str]) -> None:
    journal, mode = Path(arguments[0]), arguments[1]
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s"
    )
    mcp = build(Journal(journal), fail=mode == "fail")
    mcp.run(transport="stdio", show_banner=False, log_level="WARNING")


if __name__ == "__main__":
    main(sys.argv[1:])
