"""injectq 0.5.0's integration names (`setup_fastapi`, `InjectTaskiq`, `get_container_mcp`,
...) as faces of each adapter: the same scope per unit of work, the same markers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from fastmcp import Client, FastMCP
from mcp.types import TextContent
from taskiq import Context, InMemoryBroker, TaskiqDepends, TaskiqMessage, TaskiqState

import injectq.integrations
from injectq import InjectQ
from injectq.integrations import fastapi as fastapi_faces
from injectq.integrations import fastmcp as fastmcp_faces
from injectq.integrations import taskiq as taskiq_faces
from injectq.utils import InjectionError

if TYPE_CHECKING:
    from fastmcp.client.client import CallToolResult
    from starlette.types import Message, Receive, Scope, Send

_numbers = itertools.count()


class PerUnit:
    """A scoped service: one per request, task attempt or tool call."""

    def __init__(self) -> None:
        self.number = next(_numbers)


def _container() -> InjectQ:
    container = InjectQ()
    container.bind(PerUnit, PerUnit, scope="scoped")
    return container


async def _fastapi_units(container: InjectQ) -> list[Any]:
    app = FastAPI()
    fastapi_faces.setup_fastapi(container, app)

    @app.get("/unit")
    async def unit(
        first: Annotated[PerUnit, fastapi_faces.InjectFastAPI(PerUnit)],
        second: Annotated[PerUnit, fastapi_faces.InjectAPI(PerUnit)],
    ) -> list[Any]:
        serving = fastapi_faces.get_container_fastapi()
        return [first.number, second.number, serving is container]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return [(await http.get("/unit")).json() for _ in range(2)]


async def _taskiq_units(container: InjectQ) -> list[Any]:
    broker = InMemoryBroker(await_inplace=True)
    taskiq_faces.setup_taskiq(container, broker)

    @broker.task(task_name="unit")
    async def unit(
        first: Annotated[PerUnit, taskiq_faces.InjectTaskiq(PerUnit)],
        second: Annotated[PerUnit, taskiq_faces.InjectTask(PerUnit)],
        context: Context = TaskiqDepends(),
    ) -> list[Any]:
        serving = taskiq_faces.get_injector_instance_taskiq(context.state)
        return [first.number, second.number, serving is container]

    await broker.startup()
    try:
        # the injected parameters are not the sender's to give, whatever the signature says
        task: Any = unit
        return [(await (await task.kiq()).wait_result(timeout=5)).return_value for _ in range(2)]
    finally:
        await broker.shutdown()


async def _fastmcp_units(container: InjectQ) -> list[Any]:
    mcp: FastMCP[Any] = FastMCP("faces")
    fastmcp_faces.setup_mcp(container, mcp)

    @mcp.tool
    async def unit(
        first: Annotated[PerUnit, fastmcp_faces.InjectMCP(PerUnit)],
        second: Annotated[PerUnit, fastmcp_faces.InjectMCP(PerUnit)],
    ) -> list[Any]:
        serving = fastmcp_faces.get_container_mcp()
        return [first.number, second.number, serving is container]

    async with Client(mcp) as client:
        # (a string return annotation of a local function: FastMCP sends no structured data)
        return [json.loads(_text(await client.call_tool("unit", {}))) for _ in range(2)]


def _text(result: CallToolResult) -> str:
    (content,) = result.content
    assert isinstance(content, TextContent)
    return content.text


ADAPTERS: dict[str, Callable[[InjectQ], Awaitable[list[Any]]]] = {
    "fastapi": _fastapi_units,
    "taskiq": _taskiq_units,
    "fastmcp": _fastmcp_units,
}


@pytest.mark.parametrize("adapter", list(ADAPTERS))
async def test_the_050_names_give_one_scoped_instance_per_unit_of_work_and_its_container(
    adapter: str,
) -> None:
    container = _container()

    first, second = await ADAPTERS[adapter](container)

    assert first[0] == first[1], "both parameters of one unit share its scoped instance"
    assert second[0] == second[1]
    assert first[0] != second[0], "each unit of work has its own"
    assert first[2] is True, "the 0.5.0 getter names the container serving the unit"
    assert second[2] is True


MARKERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "fastapi": (fastapi_faces.InjectFastAPI, fastapi_faces.InjectQDependency),
    "taskiq": (taskiq_faces.InjectTaskiq, taskiq_faces.InjectQDependency),
    "fastmcp": (fastmcp_faces.InjectMCP, fastmcp_faces.InjectQDependency),
}


@pytest.mark.parametrize("adapter", list(MARKERS))
def test_the_050_marker_is_the_adapters_marker_for_the_same_key(adapter: str) -> None:
    upstream, own = MARKERS[adapter]

    marker, expected = upstream(PerUnit), own(PerUnit)

    assert isinstance(marker, type(expected))
    assert marker.__injectq_key__ is PerUnit
    assert expected.__injectq_key__ is PerUnit


GETTERS: dict[str, Callable[[], object]] = {
    "fastapi": fastapi_faces.get_container_fastapi,
    "taskiq": lambda: taskiq_faces.get_injector_instance_taskiq(TaskiqState()),
    "fastmcp": fastmcp_faces.get_container_mcp,
}


@pytest.mark.parametrize("adapter", list(GETTERS))
def test_the_050_container_getter_raises_an_injection_error_outside_a_unit_of_work(
    adapter: str,
) -> None:
    with pytest.raises(InjectionError, match=r"No (active FastMCP request context|InjectQ)"):
        GETTERS[adapter]()


def test_injectq_integrations_offers_each_050_name_of_its_frameworks_module() -> None:
    modules = {"fastapi": fastapi_faces, "taskiq": taskiq_faces, "fastmcp": fastmcp_faces}
    for name in injectq.integrations.__all__:
        owners = [module for module in modules.values() if hasattr(module, name)]
        assert len(owners) == 1, name
        assert getattr(injectq.integrations, name) is getattr(owners[0], name)


async def test_the_request_middleware_names_no_container_for_other_asgi_messages() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        with pytest.raises(InjectionError, match="No InjectQ container"):
            fastapi_faces.get_container_fastapi()

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        return None

    middleware = fastapi_faces.InjectQRequestMiddleware(app, container=InjectQ())
    await middleware({"type": "lifespan"}, receive, send)

    assert seen == [{"type": "lifespan"}]


async def test_the_mcp_middleware_alone_gives_each_tool_call_its_own_scope() -> None:
    container = _container()
    mcp: FastMCP[Any] = FastMCP("middleware only")
    mcp.add_middleware(fastmcp_faces.InjectQMCPMiddleware(container=container))

    @mcp.tool
    async def unit(
        first: Annotated[PerUnit, fastmcp_faces.InjectMCP(PerUnit)],
        second: Annotated[PerUnit, fastmcp_faces.InjectMCP(PerUnit)],
    ) -> list[int]:
        return [first.number, second.number]

    async with Client(mcp) as client:
        calls = [json.loads(_text(await client.call_tool("unit", {}))) for _ in range(2)]

    assert calls[0][0] == calls[0][1]
    assert calls[1][0] == calls[1][1]
    assert calls[0][0] != calls[1][0]


async def test_setup_taskiq_keeps_the_container_on_the_brokers_state() -> None:
    container = _container()
    broker = InMemoryBroker(await_inplace=True)

    taskiq_faces.setup_taskiq(container, broker)

    assert broker.state.injectq_container is container
    assert taskiq_faces.get_injector_instance_taskiq(broker.state) is container
    state = TaskiqState()
    vars(taskiq_faces)["_attach_injectq_taskiq"](state, container)  # 0.5.0's private helper
    assert taskiq_faces.get_injector_instance_taskiq(state) is container


def test_the_taskiq_markers_dependency_resolves_from_the_container_on_the_state() -> None:
    container = _container()
    broker = InMemoryBroker()
    taskiq_faces.setup_taskiq(container, broker)
    message = TaskiqMessage(task_id="1", task_name="unit", labels={}, args=[], kwargs={})
    marker: Any = taskiq_faces.InjectTaskiq(PerUnit)

    with container.scope():
        service = marker.dependency(Context(message, broker))

    assert isinstance(service, PerUnit)
