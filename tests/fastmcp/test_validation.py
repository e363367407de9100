"""`mcp_entry_points`: every tool, resource, template and prompt, validated before traffic."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Request
from fastmcp import Context, FastMCP

from injectq import InjectQ, ValidationError
from injectq.integrations.fastmcp import Inject, mcp_entry_points, setup_fastmcp_integration
from tests._journal import Journal

from .conftest import Shop
from .shop import CallInfo, Catalog, OrderRepo, PaymentGateway


def test_every_component_is_an_entry_point_named_as_errors_name_it(shop: Shop) -> None:
    entries = {entry.name: entry for entry in mcp_entry_points(shop.mcp)}

    assert set(entries) == {
        "tool search_orders",
        "tool cancel_order",
        "tool count_orders",
        "tool whoami",
        "tool pay",
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
