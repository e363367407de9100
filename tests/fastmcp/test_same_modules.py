"""One set of Module classes serves the API, the worker and the MCP server unchanged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from fastmcp import Client, FastMCP
from taskiq import InMemoryBroker

from injectq import Binder, InjectQ, Module, provider
from injectq.integrations.fastapi import Inject as RouteInject
from injectq.integrations.fastapi import setup_fastapi_integration
from injectq.integrations.fastmcp import Inject as ToolInject
from injectq.integrations.fastmcp import setup_fastmcp_integration
from injectq.integrations.taskiq import Inject as TaskInject
from injectq.integrations.taskiq import setup_taskiq_integration


class Catalog:  # one per process
    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


class UnitOfWork:  # one per request, task attempt or tool call
    def __init__(self, catalog: Catalog) -> None:
        self.id = uuid.uuid4().hex
        self.catalog = catalog


@dataclass(frozen=True)
class Tenant:
    name: str


class ShopModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(Catalog, Catalog, scope="singleton")
        binder.bind(UnitOfWork, UnitOfWork, scope="scoped")

    @provider(scope="scoped")
    def tenant(self) -> Tenant:
        return Tenant("default")


def build_container() -> InjectQ:
    container = InjectQ()
    container.install(ShopModule())
    return container


def describe(unit: UnitOfWork, again: UnitOfWork, tenant: Tenant) -> dict[str, object]:
    return {
        "unit": unit.id,
        "one_unit": unit is again,
        "catalog": unit.catalog.id,
        "t": tenant.name,
    }


async def test_the_api_the_worker_and_the_mcp_server_are_built_from_the_same_modules() -> None:
    api_container, worker_container, mcp_container = (build_container() for _ in range(3))

    app = FastAPI()
    setup_fastapi_integration(app, api_container)

    @app.get("/unit")
    async def unit_route(
        unit: RouteInject[UnitOfWork], again: RouteInject[UnitOfWork], tenant: RouteInject[Tenant]
    ) -> dict[str, object]:
        return describe(unit, again, tenant)

    broker = InMemoryBroker(await_inplace=True)
    setup_taskiq_integration(broker, worker_container)

    @broker.task(task_name="unit")
    async def unit_task(
        unit: TaskInject[UnitOfWork], again: TaskInject[UnitOfWork], tenant: TaskInject[Tenant]
    ) -> dict[str, object]:
        return describe(unit, again, tenant)

    mcp = FastMCP("shop")
    setup_fastmcp_integration(mcp, mcp_container)

    @mcp.tool
    async def unit_tool(
        unit: ToolInject[UnitOfWork], again: ToolInject[UnitOfWork], tenant: ToolInject[Tenant]
    ) -> dict[str, object]:
        return describe(unit, again, tenant)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        routes = [(await http.get("/unit")).json() for _ in range(2)]
    await broker.startup()
    tasks = [(await (await unit_task.kiq()).wait_result(timeout=5)).return_value for _ in range(2)]
    await broker.shutdown()
    async with Client(mcp) as client:
        tools = [(await client.call_tool("unit_tool", {})).data for _ in range(2)]

    for runs in (routes, tasks, tools):
        assert all(run["one_unit"] and run["t"] == "default" for run in runs)
        assert runs[0]["unit"] != runs[1]["unit"]  # a unit of work each
        assert runs[0]["catalog"] == runs[1]["catalog"]  # the process's singleton
    catalogs = {routes[0]["catalog"], tasks[0]["catalog"], tools[0]["catalog"]}
    assert len(catalogs) == 3  # each process (here: container) builds its own
