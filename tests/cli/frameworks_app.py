"""One container with a FastAPI app, a taskiq broker and a FastMCP server, for
`python -m injectq graph --entry` on framework objects (tests/cli/test_graph_entries.py)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastmcp import FastMCP
from taskiq import InMemoryBroker

from injectq import InjectQ, scoped
from injectq.integrations import fastapi as injectq_fastapi
from injectq.integrations import fastmcp as injectq_fastmcp
from injectq.integrations import taskiq as injectq_taskiq


@scoped
class Orders:
    pass


@scoped
class Caller:
    """Made from the HTTP request: fine in the API, not supplied in a task or a tool."""

    def __init__(self, request: Request) -> None:
        self.request = request


container = InjectQ()
container.bind(Orders, Orders)
container.bind(Caller, Caller)

app = FastAPI()
injectq_fastapi.setup_fastapi_integration(app, container)


@app.get("/orders")
async def list_orders(
    orders: injectq_fastapi.Inject[Orders], caller: injectq_fastapi.Inject[Caller]
) -> int:
    return 0


broker = InMemoryBroker()
injectq_taskiq.setup_taskiq_integration(broker, container)


@broker.task(task_name="count_orders")
async def count_orders(orders: injectq_taskiq.Inject[Orders]) -> int:
    return 0


@broker.task(task_name="audit")
async def audit(caller: injectq_taskiq.Inject[Caller]) -> int:
    return 0


mcp: FastMCP = FastMCP("orders")
injectq_fastmcp.setup_fastmcp_integration(mcp, container)


@mcp.tool
async def search(query: str, orders: injectq_fastmcp.Inject[Orders]) -> str:
    return query


#: a broker InjectQ is not set up on
plain_broker = InMemoryBroker()
