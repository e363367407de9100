"""The same guarantees over real transports: the shop server (shop_server.py) in a subprocess,
spoken to over stdio and over streamable HTTP on a loopback port; and a server mounted in a
FastAPI app."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastmcp import Client, FastMCP
from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

from injectq import InjectQ
from injectq.integrations.fastapi import setup_fastapi_integration
from injectq.integrations.fastmcp import Inject, setup_fastmcp_integration
from tests._journal import Journal
from tests._servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "tests.fastmcp.shop_server"]


async def exercise(client: Client[Any]) -> set[int]:
    """Concurrent calls, a failing call; returns the repos the calls got."""
    results = await asyncio.gather(
        *(client.call_tool("search_orders", {"query": f"q{n}"}) for n in range(20))
    )
    data = [result.data for result in results]
    assert all(d["one_per_call"] for d in data), "one instance for every parameter of a call"
    repos = {d["repo"] for d in data}
    assert len(repos) == 20, "a scope per call"
    assert len({d["catalog"] for d in data}) == 1, "the singleton is shared"
    failed = await client.call_tool("cancel_order", {"order_id": 3}, raise_on_error=False)
    assert failed.is_error
    assert (await client.call_tool("whoami", {})).data["seen_by_factory"] is not None

    events: list[list[Any]] = (await client.call_tool("journal_events", {})).data
    closed = {e[2] for e in events if e[:2] == ["close", "repo"]}
    assert repos <= closed, "every call's finalizers ran when it ended"
    errors = [e for e in events if e[0] == "error"]
    assert len(errors) == 1
    assert errors[0][3] == "LookupError", "finalizers see the tool's own exception"
    return repos


def journal_when_stopped(path: Path, timeout: float = 15.0) -> list[list[Any]]:
    """The journal, once the server has closed its singletons (the last thing it does)."""
    deadline = time.monotonic() + timeout
    while True:
        events = Journal.read(path)
        if any(e[:2] == ["close", "catalog"] for e in events) or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def assert_stopped_cleanly(events: list[list[Any]]) -> None:
    assert [e[:2] for e in events if e[0] == "lifespan" or e[1] == "catalog"] == [
        ["lifespan", "start"],
        ["open", "catalog"],
        ["lifespan", "end"],
        ["close", "catalog"],
    ]
    opened = [e[2] for e in events if e[:2] == ["open", "repo"]]
    closed = [e[2] for e in events if e[:2] == ["close", "repo"]]
    assert sorted(opened) == sorted(closed)


async def test_over_stdio_every_call_has_its_scope_and_the_singletons_close_at_exit(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.jsonl"
    transport = StdioTransport(
        command=SERVER[0],
        args=[*SERVER[1:], "stdio", str(journal)],
        cwd=str(ROOT),
        keep_alive=False,
        log_file=tmp_path / "server.log",
    )
    async with Client(transport) as client:
        repos = await exercise(client)

    events = journal_when_stopped(journal)
    assert_stopped_cleanly(events)
    assert repos <= {e[2] for e in events if e[:2] == ["close", "repo"]}


@contextmanager
def http_server(tmp_path: Path, journal: Path) -> Iterator[str]:
    """The shop over streamable HTTP on a free loopback port; stopped with SIGINT after (as
    with Ctrl-C: FastMCP's HTTP server shuts down gracefully on it, running the lifespan's
    end; on SIGTERM the process just dies)."""
    log = tmp_path / "server.log"
    for _ in range(3):  # another process may take the port between probe and bind
        port = free_port()
        with log.open("ab") as output:
            process = subprocess.Popen(
                [*SERVER, "http", str(journal), str(port)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        if answers(port, process, within=30.0):
            break
        stop(process)
    else:
        pytest.fail(f"the HTTP server did not start:\n{log.read_text()}")
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(process)


def answers(port: int, process: subprocess.Popen[bytes], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def test_over_streamable_http_every_call_has_its_scope_across_connections(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.jsonl"
    with http_server(tmp_path, journal) as url:
        async with Client(url) as client:
            first = await exercise(client)
        async with Client(url) as client:
            again = (await client.call_tool("search_orders", {"query": "again"})).data
            events = (await client.call_tool("journal_events", {})).data

    assert again["repo"] not in first
    catalogs = {e[2] for e in events if e[:2] == ["open", "catalog"]}
    assert catalogs == {again["catalog"]}, "one singleton for every connection of the server"
    assert_stopped_cleanly(journal_when_stopped(journal))


async def test_mounted_in_a_fastapi_app_a_call_scope_nests_in_the_http_requests() -> None:
    container = InjectQ()
    container.bind(Caller, Caller, scope="scoped")
    mcp: FastMCP[Any] = FastMCP("mounted")
    # the tool reads the HTTP Request, which only this (mounted, HTTP-only) deployment
    # supplies: validation, which checks a tool against what every transport supplies (the
    # MCP Context), would refuse to start, so this server opts out
    setup_fastmcp_integration(mcp, container, validate=False)

    @mcp.tool
    async def caller(who: Inject[Caller]) -> dict[str, Any]:
        scope, names = container.current_scope, []
        while scope is not None:
            names.append(scope.name)
            scope = scope.parent
        return {"path": who.path, "scopes": names}

    mcp_app = mcp.http_app(path="/mcp")
    app = FastAPI(lifespan=mcp_app.lifespan)
    app.mount("/tools", mcp_app)
    setup_fastapi_integration(app, container)

    def http_client(**options: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            headers=options.get("headers"),
            timeout=options.get("timeout"),
            auth=options.get("auth"),
        )

    transport = StreamableHttpTransport("http://shop/tools/mcp", httpx_client_factory=http_client)
    async with mcp_app.lifespan(app), Client(transport) as client:
        first = (await client.call_tool("caller", {})).data
        second = (await client.call_tool("caller", {})).data

    # the tool call's scope, inside the HTTP request's (whose Request the factory read)
    assert first == second == {"path": "/tools/mcp", "scopes": ["request", "request", None]}


class Caller:
    def __init__(self, request: Request) -> None:
        self.path = request.url.path
