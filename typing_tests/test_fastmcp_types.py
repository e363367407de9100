"""Type-checked only: FastMCP tools with injected parameters keep their types."""

from __future__ import annotations

from typing import Annotated, Any, Protocol, assert_type

from fastmcp import FastMCP

from injectq import EntryPoint, InjectQ
from injectq.integrations.fastmcp import (
    Inject,
    InjectQDependency,
    mcp_entry_points,
    setup_fastmcp_integration,
)


class IOrderRepo(Protocol):
    def find(self, order_id: int) -> str: ...


class Catalog:
    pass


mcp: FastMCP[Any] = FastMCP("typed")
setup_fastmcp_integration(mcp, InjectQ())


@mcp.tool
async def look_up_order(
    order_id: int,
    catalog: Inject[Catalog],
    again: Annotated[IOrderRepo, InjectQDependency()],
    repo: IOrderRepo = InjectQDependency(IOrderRepo),
) -> str:
    assert_type(repo, IOrderRepo)
    assert_type(catalog, Catalog)
    assert_type(again, IOrderRepo)
    return repo.find(order_id)


async def the_decorated_function_keeps_its_signature(catalog: Catalog, repo: IOrderRepo) -> None:
    assert_type(await look_up_order(1, catalog, repo), str)


assert_type(mcp_entry_points(mcp), list[EntryPoint])
