"""The FastMCP server: tools on the same container, so the tasks they send carry a context."""

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from fastmcp import Context, FastMCP

from injectq.integrations.fastmcp import Inject, setup_fastmcp_integration

from .journal import Journal, RequestContext
from .modules import OrderRepository, UnitOfWork
from .tasks import container, send_order_email


@asynccontextmanager
async def lifespan(server: FastMCP[Any]) -> AsyncGenerator[None]:
    yield
    # the server's own lifespan ends here; InjectQ's holds the container until after it, and
    # closes its singletons only if no other runtime (the API) still serves the container
    container.get(Journal).event("runtime:MCP server lifespan", "end")


mcp = FastMCP("shop", lifespan=lifespan)
setup_fastmcp_integration(mcp, container)


def call_context(call: Context, tenant: str) -> RequestContext:
    """A tool call has no HTTP headers: its correlation id comes from the MCP request id."""
    return RequestContext(correlation_id=f"mcp-{call.request_id}", tenant=tenant)


@mcp.tool
async def look_up_order(
    order_id: int,
    tenant: str,
    call: Inject[Context],
    orders: Inject[OrderRepository],
    unit: Inject[UnitOfWork],
    journal: Inject[Journal],
) -> dict[str, Any]:
    """Find one of a tenant's orders."""
    context = call_context(call, tenant)
    journal.record(f"tool look_up_order({order_id})", context, unit.id, repository=orders.id)
    order = await orders.get(tenant, order_id)
    if order is None:  # the tool's exception reaches the finalizer: it rolls back
        raise LookupError(f"no order {order_id} for tenant {tenant}")
    return order


@mcp.tool
async def resend_order_email(
    order_id: int,
    tenant: str,
    call: Inject[Context],
    unit: Inject[UnitOfWork],
    journal: Inject[Journal],
) -> str:
    """Send an order's email again (through the task queue)."""
    context = call_context(call, tenant)
    async with container.scope(context={RequestContext: context}):  # what the task carries
        sent = await send_order_email.kiq(order_id)
    journal.record("tool resend_order_email", context, unit.id, sent=sent.task_id)
    return sent.task_id
