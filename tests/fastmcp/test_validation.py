"""`mcp_entry_points`: every tool, resource, template and prompt, validated before traffic:
by the server's lifespan when it starts (unless set up with `validate=False`), or by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import pytest
from fastapi import Request
from fastmcp import Client, Context, FastMCP

from injectq import InjectQ, ValidationError
from injectq.integrations.fastmcp import Inject, mcp_entry_points, setup_fastmcp_integration
from tests._journal import Journal

from .conftest import Shop
from .shop import CallInfo, Catalog, OrderRepo, PaymentGateway, pay


def test_every_component_is_an_entry_point_named_as_errors_name_it(shop: Shop) -> None:
    entries = {entry.name: entry for entry in mcp_entry_points(shop.mcp)}

    assert set(entries) == {
        "tool search_orders",
        "tool cancel_order",
        "tool count_orders",
        "tool whoami",
        "tool journal_events",
        "resource shop://catalog",
        "resource orders://{order_id}",
        "prompt summary",
    }
    assert entries["tool search_orders"].keys == (OrderRepo, OrderRepo, Catalog)
    assert entries["tool whoami"].keys == (CallInfo,)
    assert entries["resource orders://{order_id}"].keys == (OrderRepo,)
    assert entries["prompt summary"].keys == (OrderRepo,)
    assert all(entry.context == frozenset({Context}) for entry in entries.values())


def test_validation_finds_the_unbound_service_of_a_tool(shop: Shop) -> None:
    shop.mcp.tool(pay)

    with pytest.raises(ValidationError) as raised:
        shop.container.validate(entry_points=mcp_entry_points(shop.mcp))

    (error,) = raised.value.errors
    assert error.path == ("tool pay", "PaymentGateway")


class AuditLog:
    def __init__(self, client_ip: str) -> None:
        self.client_ip = client_ip


def audit_log(request: Request) -> AuditLog:
    return AuditLog(request.client.host if request.client else "?")


def test_validation_finds_a_tool_that_needs_an_http_request() -> None:
    container = InjectQ()
    container.declare_context(Request)  # the FastAPI app of the same codebase supplies it
    container.bind_factory(AuditLog, audit_log, scope="scoped")
    container.bind(Journal, Journal())
    mcp: FastMCP[Any] = FastMCP("audited")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def refund(order_id: int, audit: Inject[AuditLog]) -> str:
        return audit.client_ip

    @mcp.tool
    async def notes(journal: Inject[Journal]) -> int:
        return len(journal.events)

    @mcp.resource("audit://{day}")
    async def audit_day(day: str, audit: Inject[AuditLog]) -> str:
        return day

    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=mcp_entry_points(mcp))

    paths = sorted(error.path for error in raised.value.errors)
    assert paths == [
        ("resource audit://{day}", "AuditLog", "Request"),
        ("tool refund", "AuditLog", "Request"),
    ]
    assert "a scope context value that its runtime does not supply" in str(raised.value)


def test_a_server_whose_services_are_all_bound_validates() -> None:
    container = InjectQ()
    container.bind(PaymentGateway, object())
    mcp: FastMCP[Any] = FastMCP("fine")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def pay(gateway: Inject[PaymentGateway], ctx: Context) -> str:
        return "ok"

    assert container.validate(entry_points=mcp_entry_points(mcp)) == []


class Mailer(Protocol):
    def send(self, to: str) -> None: ...


def mailing_server(
    events: list[str], *, validate: bool = True, tools: tuple[str, ...] = ("notify",)
) -> FastMCP[Any]:
    """A server whose tools need a Mailer that nothing binds."""

    @asynccontextmanager
    async def lifespan(server: FastMCP[Any]) -> AsyncIterator[None]:
        events.append("own lifespan started")
        try:
            yield
        finally:
            events.append("own lifespan ended")

    container = InjectQ()
    mcp: FastMCP[Any] = FastMCP("mailing", lifespan=lifespan)
    setup_fastmcp_integration(mcp, container, validate=validate)

    async def send(mailer: Inject[Mailer]) -> str:
        return "sent"

    for name in tools:
        mcp.tool(send, name=name)
    return mcp


def validation_error_of(error: BaseException) -> ValidationError:
    """The ValidationError a failed start-up reached the client with (as the cause)."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ValidationError):
        cause = cause.__cause__
    assert cause is not None, f"no ValidationError behind {error!r}"
    return cause


async def test_a_server_whose_tool_needs_an_unbound_key_fails_to_start_naming_the_tool() -> None:
    events: list[str] = []
    calls: list[str] = []

    with pytest.raises(RuntimeError, match="Client failed to connect") as raised:
        async with Client(mailing_server(events)) as client:
            calls.append(str(await client.call_tool("notify", {})))

    assert calls == [], "no call was served"
    message = str(raised.value)
    assert "no binding for Mailer" in message
    assert "tool notify -> Mailer" in message
    (error,) = validation_error_of(raised.value).errors
    assert error.path == ("tool notify", "Mailer")
    # the start-up failed inside the server's own lifespan, which still ended
    assert events == ["own lifespan started", "own lifespan ended"]


async def test_tools_with_the_same_missing_key_are_one_problem_listing_every_tool() -> None:
    with pytest.raises(RuntimeError, match="Client failed to connect") as raised:
        async with Client(mailing_server([], tools=("notify", "remind"))):
            pass

    (error,) = validation_error_of(raised.value).errors
    assert error.entry_points == ("tool notify", "tool remind")
    assert "  in: tool notify, tool remind" in str(raised.value)


async def test_a_server_set_up_without_validation_starts_and_fails_only_the_call() -> None:
    events: list[str] = []

    async with Client(mailing_server(events, validate=False)) as client:
        failed = await client.call_tool("notify", {}, raise_on_error=False)

    assert failed.is_error
    assert "tool notify -> Mailer" in failed.content[0].text  # type: ignore[union-attr]
    assert events == ["own lifespan started", "own lifespan ended"]


class ConsoleMailer:
    def send(self, to: str) -> None:
        pass


async def test_start_up_validation_sees_what_the_servers_own_lifespan_binds() -> None:
    container = InjectQ()

    @asynccontextmanager
    async def lifespan(server: FastMCP[Any]) -> AsyncIterator[None]:
        container.bind(Mailer, ConsoleMailer)  # e.g. chosen from configuration read at start
        yield

    mcp: FastMCP[Any] = FastMCP("configured", lifespan=lifespan)
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def notify(mailer: Inject[Mailer]) -> str:
        return type(mailer).__name__

    async with Client(mcp) as client:
        assert (await client.call_tool("notify", {})).data == "ConsoleMailer"


class Pool:
    pass


async def test_a_failed_start_up_leaves_the_singletons_to_the_runtime_still_serving(
    journal: Journal,
) -> None:
    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("close", "pool")

    container = InjectQ()
    container.bind_factory(Pool, pool, scope="singleton")
    mcp: FastMCP[Any] = FastMCP("broken")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def notify(mailer: Inject[Mailer]) -> str:
        return "sent"

    async with container.lifespan("the API"):
        made = await container.aget(Pool)
        with pytest.raises(RuntimeError, match="Client failed to connect"):
            async with Client(mcp):
                pass
        assert journal.of("close", "pool") == []
        assert await container.aget(Pool) is made
    assert journal.of("close", "pool") == [["close", "pool"]]
