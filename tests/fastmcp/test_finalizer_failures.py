"""A finalizer that fails is logged to `injectq.fastmcp` with the tool's name (the resource's
URI, the prompt's name) and changes nothing the client receives, over every transport; the
finalizers see the exception the call's own code raised, a deliberate `ToolError` included.

Each transport runs the same calls (flaky_app.py) against a server whose finalizers fail and
against one whose finalizers do not, and the client must not tell them apart.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastmcp import Client, FastMCP
from fastmcp.client.transports import StdioTransport

from tests._journal import Journal
from tests._servers import free_port

from .flaky_app import UNITS_OF_WORK, build, exercise

ROOT = Path(__file__).resolve().parents[2]

#: what the finalizer of each call of `exercise` saw (the exception thrown into it)
SEEN_BY_FINALIZERS = [
    ["finalizer saw", None, None],
    ["finalizer saw", "ToolError", "refused on purpose"],
    ["finalizer saw", "ValueError", "the tool's own error"],
    ["finalizer saw", "ValueError", "the sync tool's own error"],
    ["finalizer saw", None, None],
    ["finalizer saw", None, None],
    ["finalizer saw", None, None],
    ["finalizer saw", None, None],
]


@dataclass
class Run:
    received: list[Any]
    #: the InjectQ log lines (message only), in order
    logged: list[str]
    #: the tracebacks logged with them, as one text
    tracebacks: str
    journal: list[list[Any]]


def failure_messages() -> list[str]:
    return [
        f"1 finalizer(s) of {unit} failed: Flaky (ConnectionError); the outcome stands"
        for unit in UNITS_OF_WORK
    ]


def injectq_records(caplog: pytest.LogCaptureFixture) -> tuple[list[str], str]:
    records = [record for record in caplog.records if record.name == "injectq.fastmcp"]
    return [r.getMessage() for r in records], "\n".join(r.exc_text or "" for r in records)


async def in_memory(fail: bool, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Run:
    journal = Journal()
    caplog.clear()
    async with Client(build(journal, fail=fail)) as client:
        received = await exercise(client)
    logged, tracebacks = injectq_records(caplog)
    return Run(received, logged, tracebacks, journal.events)


@asynccontextmanager
async def http_server(mcp: FastMCP[Any]) -> AsyncIterator[str]:
    """`mcp` over streamable HTTP, served by uvicorn on a free loopback port in this process
    (so the test reads its log records as they are made)."""
    for _ in range(3):  # another process may take the port between probe and bind
        port = free_port()
        config = uvicorn.Config(
            mcp.http_app(path="/mcp"), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        async with asyncio.timeout(15):
            # uvicorn signals nothing: its `started` flag is all there is to wait on
            while not server.started and not serving.done():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        if server.started:
            break
        await serving
    else:
        pytest.fail("uvicorn did not start on a free port")
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        await serving


async def over_http(fail: bool, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Run:
    journal = Journal()
    caplog.clear()
    async with http_server(build(journal, fail=fail)) as url, Client(url) as client:
        received = await exercise(client)
    logged, tracebacks = injectq_records(caplog)
    return Run(received, logged, tracebacks, journal.events)


async def over_stdio(fail: bool, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Run:
    mode = "fail" if fail else "keep"
    journal, log = tmp_path / f"{mode}.jsonl", tmp_path / f"{mode}.log"
    transport = StdioTransport(
        command=sys.executable,
        args=["-m", "tests.fastmcp.flaky_app", str(journal), mode],
        cwd=str(ROOT),
        keep_alive=False,
        log_file=log,
    )
    async with Client(transport) as client:
        received = await exercise(client)
    # the server's stderr: `injectq.fastmcp ERROR <message>` lines, each with its traceback
    text = log.read_text() if log.exists() else ""
    prefix = "injectq.fastmcp ERROR "
    logged = [line.removeprefix(prefix) for line in text.splitlines() if line.startswith(prefix)]
    return Run(received, logged, text, Journal.read(journal))


TRANSPORTS = {"in memory": in_memory, "streamable HTTP": over_http, "stdio": over_stdio}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
async def test_a_failing_finalizer_is_logged_naming_the_call_and_changes_nothing_received(
    transport: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    run = TRANSPORTS[transport]
    with caplog.at_level(logging.ERROR, logger="injectq.fastmcp"):
        clean = await run(False, caplog, tmp_path)
        failing = await run(True, caplog, tmp_path)

    assert failing.received == clean.received, "the client cannot tell the two servers apart"
    assert clean.logged == []
    assert failing.logged == failure_messages()
    assert failing.tracebacks.count("ConnectionError: could not release") == len(UNITS_OF_WORK)
    # the call's outcome stands: a success stays a success, an error keeps its own message
    outcomes = {entry[0]: entry[1] for entry in failing.received[:4]}
    assert outcomes == {"works": False, "refuses": True, "breaks": True, "breaks_in_a_thread": True}
    assert failing.received[-1] == ["works again", {"result": "done"}]


@pytest.mark.parametrize("transport", list(TRANSPORTS))
async def test_finalizers_see_the_tools_own_exception_a_deliberate_tool_error_included(
    transport: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    run = await TRANSPORTS[transport](True, caplog, tmp_path)

    assert run.journal == SEEN_BY_FINALIZERS
    received = {entry[0]: entry[2] for entry in run.received[:4]}
    assert received["refuses"] == ["refused on purpose"]
    assert any("the tool's own error" in text for text in received["breaks"])
