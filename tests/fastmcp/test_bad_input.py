"""Bad input from clients and from the code that sets the server up: clear errors and a
server that keeps serving (finalizer failures: test_finalizer_failures.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client, FastMCP
from fastmcp.exceptions import ValidationError as FastMCPValidationError

from injectq import BindingError, InjectQ
from injectq.integrations.fastmcp import (
    Inject,
    InjectQDependency,
    mcp_entry_points,
    setup_fastmcp_integration,
)

from .conftest import Shop
from .shop import OrderRepo, pay


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_orders", {"query": "x", "repo": 1}),  # Inject[T]
        ("search_orders", {"query": "x", "again": {"number": 1}}),  # Annotated[T, marker]
        ("search_orders", {"query": "x", "catalog": None}),  # = InjectQDependency(T)
        ("count_orders", {"repo": 5}),  # a sync tool
    ],
)
async def test_a_client_cannot_send_an_injected_parameter(
    shop: Shop, tool: str, arguments: dict[str, Any]
) -> None:
    async with Client(shop.mcp) as client:
        result = await client.call_tool(tool, arguments, raise_on_error=False)

    assert result.is_error
    assert "Unexpected keyword argument" in result.content[0].text  # type: ignore[union-attr]
    assert shop.journal.of("open", "repo") == [], "rejected before any service was made"


async def test_a_direct_call_cannot_pass_an_injected_parameter_either(shop: Shop) -> None:
    with pytest.raises(FastMCPValidationError, match="Unexpected keyword argument"):
        await shop.mcp.call_tool("search_orders", {"query": "x", "repo": 1})


async def test_an_unbound_service_fails_the_call_naming_the_tool_and_the_path(
    shop: Shop,
) -> None:
    async with Client(shop.mcp) as client:
        # registered after the start-up's validation, which would have refused it
        shop.mcp.tool(pay)
        failed = await client.call_tool("pay", {"cents": 100}, raise_on_error=False)
        served = await client.call_tool("search_orders", {"query": "after"})

    assert failed.is_error
    message = failed.content[0].text  # type: ignore[union-attr]
    assert "no binding for PaymentGateway" in message
    assert "tool pay -> PaymentGateway" in message
    assert served.data["query"] == "after", "the server keeps serving"


def test_setting_up_a_server_twice_is_refused(shop: Shop) -> None:
    with pytest.raises(BindingError, match="already set up"):
        setup_fastmcp_integration(shop.mcp, InjectQ())


def test_setup_refuses_what_is_not_a_server_or_a_container(shop: Shop) -> None:
    with pytest.raises(BindingError, match="needs a FastMCP server"):
        setup_fastmcp_integration(object(), InjectQ())  # type: ignore[arg-type]
    with pytest.raises(BindingError, match="needs an InjectQ container"):
        setup_fastmcp_integration(FastMCP("x"), {})  # type: ignore[arg-type]
    with pytest.raises(BindingError, match="needs a FastMCP server"):
        mcp_entry_points("shop")  # type: ignore[arg-type]


def test_a_marker_needs_a_key_or_a_typed_parameter() -> None:
    with pytest.raises(BindingError, match="None is not a key"):
        InjectQDependency(None)  # type: ignore[call-overload]

    mcp: FastMCP[Any] = FastMCP("untyped")

    @mcp.tool
    async def untyped(repo=InjectQDependency()) -> str:  # type: ignore[no-untyped-def]
        return "never"

    with pytest.raises(BindingError, match="no annotation") as raised:
        setup_fastmcp_integration(mcp, InjectQ())
    assert "tool untyped" in str(raised.value)


async def test_markers_on_a_server_without_injectq_say_what_is_missing() -> None:
    mcp: FastMCP[Any] = FastMCP("plain")

    @mcp.tool
    async def lookup(repo: Inject[OrderRepo]) -> int:
        return repo.number

    async with Client(mcp) as client:
        result = await client.call_tool("lookup", {}, raise_on_error=False)

    assert result.is_error
    assert "Failed to resolve dependency 'repo'" in result.content[0].text  # type: ignore[union-attr]
