"""The MCP server under test: a small order shop with scoped, singleton and context services.

The tests build it in memory (`build()`); `shop_server.py` runs the same server over stdio
and streamable HTTP in a subprocess. Services write what happens to them into a journal
(tests/_journal.py: `["open", "repo", 3]`, `["error", "repo", 3, "LookupError"]`, ...;
optionally also a file, one JSON list per line), which the `journal_events` tool returns, so
a test can see scopes open and close from outside the server's process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Protocol

from fastmcp import Context, FastMCP

from injectq import InjectQ
from injectq.integrations.fastmcp import Inject, InjectQDependency, setup_fastmcp_integration
from tests._journal import Journal


class OrderRepo:
    """Scoped: one per tool call, resource read and prompt render."""

    def __init__(self, number: int) -> None:
        self.number = number


class Catalog:
    """A singleton whose finalizer runs when the server's lifespan ends."""

    def __init__(self, number: int) -> None:
        self.number = number


class CallInfo:
    """Scoped, made from the MCP Context of the call."""

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id


class PaymentGateway(Protocol):
    """Never bound in the shop: a tool that needs it fails validation (so the shop has none;
    the tests that need one add it)."""

    def charge(self, cents: int) -> None: ...


async def pay(cents: int, gateway: Inject[PaymentGateway]) -> str:
    """A tool that needs a service nothing provides (tests register it: `mcp.tool(pay)`)."""
    gateway.charge(cents)
    return "paid"


def build(journal: Journal | None = None) -> tuple[FastMCP[Any], InjectQ, Journal]:
    """A fresh server, container and journal (the integration is set up before the tools)."""
    journal = journal or Journal()
    numbers = itertools.count(1)
    container = InjectQ()
    container[Journal] = journal

    def order_repo(journal: Journal) -> Iterator[OrderRepo]:
        repo = OrderRepo(next(numbers))
        journal.add("open", "repo", repo.number)
        try:
            yield repo
        except BaseException as error:
            journal.add("error", "repo", repo.number, type(error).__name__)
            raise
        finally:
            journal.add("close", "repo", repo.number)

    async def catalog(journal: Journal) -> AsyncIterator[Catalog]:
        made = Catalog(next(numbers))
        journal.add("open", "catalog", made.number)
        yield made
        journal.add("close", "catalog", made.number)

    def call_info(context: Context) -> CallInfo:
        return CallInfo(context.request_id)

    container.bind_factory(OrderRepo, order_repo, scope="scoped")
    container.bind_factory(Catalog, catalog, scope="singleton")
    container.bind_factory(CallInfo, call_info, scope="scoped")

    @asynccontextmanager
    async def lifespan(server: FastMCP[Any]) -> AsyncIterator[dict[str, Any]]:
        journal.add("lifespan", "start")
        yield {}
        journal.add("lifespan", "end")

    mcp: FastMCP[Any] = FastMCP("shop", lifespan=lifespan)
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def search_orders(
        query: str,
        repo: Inject[OrderRepo],
        again: Annotated[OrderRepo, InjectQDependency()],
        catalog: Catalog = InjectQDependency(Catalog),
    ) -> dict[str, Any]:
        """Find orders."""
        await asyncio.sleep(0)
        looked_up = await container.aget(OrderRepo)
        await asyncio.sleep(0)
        return {
            "query": query,
            "repo": repo.number,
            "one_per_call": again is repo and looked_up is repo,
            "catalog": catalog.number,
        }

    @mcp.tool
    async def cancel_order(order_id: int, repo: Inject[OrderRepo]) -> str:
        """Always fails: the order is never found."""
        raise LookupError(f"order {order_id} not found (repo {repo.number})")

    @mcp.tool
    def count_orders(repo: OrderRepo = InjectQDependency(OrderRepo)) -> dict[str, Any]:
        """A sync tool: runs in a worker thread, inside the call's scope."""
        return {
            "repo": repo.number,
            "same_in_thread": container.get(OrderRepo) is repo,
            "thread": threading.current_thread().name,
        }

    @mcp.tool
    async def whoami(info: Inject[CallInfo], ctx: Context) -> dict[str, Any]:
        """CallInfo is made from the MCP Context of this call."""
        return {"request_id": ctx.request_id, "seen_by_factory": info.request_id}

    @mcp.tool
    def journal_events() -> list[list[Any]]:
        """What the services went through so far."""
        return journal.events

    @mcp.resource("shop://catalog")
    async def catalog_resource(repo: Inject[OrderRepo], catalog: Inject[Catalog]) -> str:
        return json.dumps({"repo": repo.number, "catalog": catalog.number})

    @mcp.resource("orders://{order_id}")
    def order_resource(order_id: int, repo: Inject[OrderRepo]) -> str:
        if order_id < 0:
            raise KeyError(order_id)
        return json.dumps({"order": order_id, "repo": repo.number})

    @mcp.prompt
    def summary(topic: str, repo: Annotated[OrderRepo, InjectQDependency()]) -> str:
        return f"Summarize {topic} using repo {repo.number}"

    return mcp, container, journal
