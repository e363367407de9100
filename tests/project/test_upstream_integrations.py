"""injectq 0.5.0's integration names, importable as it documented them, each a face of the
adapter that does the work."""

from __future__ import annotations

import asyncio
from typing import Annotated

import fastmcp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from taskiq import InMemoryBroker

from injectq import InjectQ, scoped
from injectq.integrations import (
    InjectAPI,
    InjectFastAPI,
    InjectMCP,
    InjectTask,
    InjectTaskiq,
    get_container_mcp,
    setup_fastapi,
    setup_mcp,
    setup_taskiq,
)


@scoped
class UnitOfWork:
    pass


def test_the_fastapi_names_set_up_a_scope_per_request() -> None:
    assert InjectAPI is InjectFastAPI
    container = InjectQ()
    app = FastAPI()
    setup_fastapi(container, app)  # 0.5.0's argument order

    @app.get("/unit")
    async def unit(
        first: Annotated[UnitOfWork, InjectFastAPI(UnitOfWork)],
        second: Annotated[UnitOfWork, InjectAPI(UnitOfWork)],
    ) -> bool:
        return first is second

    with TestClient(app) as http:
        assert http.get("/unit").json() is True


async def test_the_taskiq_names_set_up_a_scope_per_task() -> None:
    assert InjectTask is InjectTaskiq
    container = InjectQ()
    broker = InMemoryBroker()
    setup_taskiq(container, broker)

    @broker.task
    async def unit(
        first: Annotated[UnitOfWork, InjectTaskiq(UnitOfWork)],
        second: UnitOfWork = InjectTask(UnitOfWork),  # noqa: B008 - a marker
    ) -> bool:
        return first is second

    await broker.startup()
    result = await (await unit.kiq()).wait_result(timeout=5)
    await broker.shutdown()
    assert result.return_value is True


async def test_the_mcp_names_set_up_a_scope_per_call_and_find_the_container() -> None:
    container = InjectQ()
    mcp = fastmcp.FastMCP("upstream")
    setup_mcp(container, mcp)

    @mcp.tool
    async def unit(first: Annotated[UnitOfWork, InjectMCP(UnitOfWork)]) -> bool:
        await asyncio.sleep(0)
        return get_container_mcp() is container and first is container.get(UnitOfWork)

    async with fastmcp.Client(mcp) as client:
        result = await client.call_tool("unit", {})
    assert result.data is True
