"""The runtimes of the conformance suite: one driver per adapter's unit of work.

A driver takes a container and a *unit function* (an ordinary user function with injected
parameters and plain arguments) and serves it through its framework's real entry:

    async with runtime.serving(container, unit) as call:
        outcome = await call(n=1)  # what the framework's client got: value or error

`serving` builds the framework object, sets InjectQ up on it with the adapter's
`setup_*_integration` (before the unit is registered, as a module of routes, tasks or tools
is imported after the set-up), registers the unit as a route, WebSocket handler, task or tool,
and runs the framework's start-up (an app's lifespan, a worker's startup, an MCP server's
lifespan); leaving it runs the shutdown. Adding an adapter to the suite means writing one
driver and adding it to `RUNTIMES`; every behaviour then runs against it.

| id | unit of work | served by | client |
|---|---|---|---|
| http | request `GET /unit` | the ASGI app, lifespan by ASGI messages | httpx ASGITransport |
| websocket | session on `/ws` | the ASGI app, lifespan by ASGI messages | ASGI messages |
| task-inmemory | task run | `InMemoryBroker` | `kiq`, `wait_result` |
| task-receiver | task run | `Receiver` made after the tasks | `kiq`, `wait_result` |
| tool | tool call | FastMCP server | `fastmcp.Client(mcp)` |
"""

import asyncio
import contextlib
import inspect
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse
from fastmcp import Client, FastMCP
from fastmcp.exceptions import ToolError
from starlette.exceptions import WebSocketException
from starlette.types import ASGIApp, Receive, Scope, Send
from taskiq import AckableMessage, AsyncBroker, BrokerMessage, InMemoryBroker
from taskiq.brokers.inmemory_broker import InmemoryResultBackend
from taskiq.decor import AsyncTaskiqDecoratedTask
from taskiq.receiver import Receiver

import injectq_fastapi
import injectq_fastmcp
import injectq_taskiq
from injectq import InjectQ, marked_parameters

from ._asgi import lifespan, websocket_session

#: how long a task runs before the `timeout` label that interrupts it runs out (taskiq cannot
#: cancel a running task: a timeout is how a task is interrupted)
INTERRUPT_AFTER = 0.2

#: how long a client waits for a unit of work's result before calling it lost
RESULT_WAIT = 5.0


@dataclass(frozen=True)
class Outcome:
    """What the framework's client got from one unit of work.

    `value` is the unit's return value as the client received it (None on failure), `error`
    a description of the failure the client saw (None on success), `received` everything
    the client received, comparable across runs (no ids in it), and `unit_id` the
    framework's id for the unit of work where it has one (a task id).
    """

    value: Any = None
    error: str | None = None
    received: Any = None
    unit_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Call(Protocol):
    """Runs the served unit function once per call, through the framework's client."""

    async def __call__(self, **arguments: Any) -> Outcome: ...

    async def interrupted(self, trigger: asyncio.Event, **arguments: Any) -> Outcome:
        """Run the unit and interrupt it the way this runtime interrupts a unit of work:
        the client's cancellation once `trigger` is set (HTTP, WebSocket, tool), or a
        `timeout` label of INTERRUPT_AFTER seconds (taskiq, which cannot cancel a running
        task; `trigger` must be set before then)."""
        ...


class Runtime(Protocol):
    """One adapter's unit of work, driven through its framework."""

    @property
    def id(self) -> str:
        """The pytest id."""
        ...

    @property
    def adapter(self) -> ModuleType:
        """The adapter's module (its `Inject`, `InjectQDependency`, `setup_*_integration`)."""
        ...

    @property
    def unit_name(self) -> str:
        """How the adapter names the unit of work in messages and validation errors."""
        ...

    @property
    def errors(self) -> Mapping[str, Callable[[], Exception]]:
        """Exceptions a unit may raise, by name: a plain one, and those the framework
        itself handles (turns into a response, a close code, an error result)."""
        ...

    @property
    def seen_on_interruption(self) -> tuple[type[BaseException], ...]:
        """What the finalizers of an interrupted unit of work (`Call.interrupted`) see."""
        ...

    @property
    def seen_on_timeout(self) -> tuple[type[BaseException], ...]:
        """What the finalizers of a unit of work that ran into its time limit see; () when
        the framework has no time limit for a unit of work."""
        ...

    def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> contextlib.AbstractAsyncContextManager[Call]:
        """Serve `unit` (see the module's docstring). `validate=False` is passed to the
        adapter's set-up (start-up validation off); `time_limit` is the framework's own
        timeout for the unit of work (taskiq's `timeout` label, FastMCP's `timeout=`)."""
        ...

    def names(self, outcome: Outcome) -> list[str]:
        """What a message about this unit of work must contain to name it."""
        ...


def opt_out(validate: bool) -> dict[str, Any]:
    """The set-up keyword that turns start-up validation off (nothing when it stays on)."""
    return {} if validate else {"validate": False}


async def cancel_when(
    call: Callable[..., Awaitable[Outcome]], trigger: asyncio.Event, arguments: dict[str, Any]
) -> Outcome:
    """Run `call`, and cancel it (the client gives up) once `trigger` is set."""
    running = asyncio.ensure_future(call(**arguments))
    waiting = asyncio.ensure_future(trigger.wait())
    try:
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    if not running.done():
        running.cancel()
    try:
        return await running
    except asyncio.CancelledError:
        return Outcome(error="cancelled by the client", received=("cancelled",))


def no_time_limit(time_limit: float | None, framework: str) -> None:
    if time_limit is not None:
        raise NotImplementedError(f"{framework} has no time limit for a unit of work")


# HTTP


class MappedError(Exception):
    """Turned into a 409 response by the app's `@app.exception_handler`."""


#: the exceptions that escaped the ASGI app during the current HTTP call (a server logs
#: them; uvicorn also closes the connection when the response was already sent)
_escaped: ContextVar[list[str] | None] = ContextVar("conformance_escaped", default=None)


def recording_escapes(app: ASGIApp) -> ASGIApp:
    async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except Exception as error:
            found = _escaped.get()
            if found is not None:
                found.append(type(error).__name__)
            raise

    return recorded


def fastapi_app(container: InjectQ, validate: bool) -> FastAPI:
    app = FastAPI()

    @app.exception_handler(MappedError)
    async def mapped(request: Request, error: MappedError) -> JSONResponse:
        return JSONResponse({"mapped": str(error)}, status_code=409)

    injectq_fastapi.setup_fastapi_integration(app, container, **opt_out(validate))
    return app


@dataclass
class HttpCall:
    client: httpx.AsyncClient
    path: str

    async def __call__(self, **arguments: Any) -> Outcome:
        escaped: list[str] = []
        token = _escaped.set(escaped)
        try:
            response = await self.client.get(self.path, params=arguments)
        finally:
            _escaped.reset(token)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        received = ("http", response.status_code, body, tuple(escaped))
        if response.status_code < 400 and not escaped:
            return Outcome(value=body, received=received)
        return Outcome(
            error=f"HTTP {response.status_code} {body!r}, escaped the app: {escaped}",
            received=received,
        )

    async def interrupted(self, trigger: asyncio.Event, **arguments: Any) -> Outcome:
        # ASGITransport runs the app in the client's task: the request is cancelled with it
        return await cancel_when(self, trigger, arguments)


class HttpRuntime:
    id = "http"
    adapter = injectq_fastapi
    path = "/unit"
    unit_name = "GET /unit"
    seen_on_interruption: tuple[type[BaseException], ...] = (asyncio.CancelledError,)
    seen_on_timeout: tuple[type[BaseException], ...] = ()

    @property
    def errors(self) -> Mapping[str, Callable[[], Exception]]:
        return {
            "ValueError": lambda: ValueError("unit failed"),
            "HTTPException": lambda: HTTPException(status_code=418, detail="teapot"),
            "@app.exception_handler": lambda: MappedError("mapped"),
        }

    @contextlib.asynccontextmanager
    async def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> AsyncGenerator[Call]:
        no_time_limit(time_limit, "FastAPI")
        app = fastapi_app(container, validate)
        app.get(self.path)(unit)
        async with lifespan(app):
            transport = httpx.ASGITransport(app=recording_escapes(app), raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://conformance") as c:
                yield HttpCall(c, self.path)

    def names(self, outcome: Outcome) -> list[str]:
        return [self.unit_name]


# WebSocket


def session_handler(unit: Callable[..., Any], name: str) -> Callable[..., Awaitable[None]]:
    """A WebSocket handler around `unit`: it accepts, reads the unit's arguments as one JSON
    message, sends `{"value": <what the unit returned>}` and closes. The unit's injected
    parameters are the handler's, so FastAPI resolves them for the session; an exception
    the unit raises is the handler's."""
    injected = {parameter.name for parameter in marked_parameters(unit, name)}
    services = [
        parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for parameter in inspect.signature(unit).parameters.values()
        if parameter.name in injected
    ]

    async def handler(websocket: WebSocket, **resolved: Any) -> None:
        await websocket.accept()
        arguments = await websocket.receive_json()
        result = unit(**arguments, **resolved)
        if inspect.isawaitable(result):
            result = await result
        await websocket.send_json({"value": result})
        await websocket.close()

    socket = inspect.Parameter(
        "websocket", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=WebSocket
    )
    setattr(handler, "__signature__", inspect.Signature([socket, *services]))  # noqa: B010
    return handler


@dataclass
class WebSocketCall:
    app: ASGIApp
    path: str

    async def __call__(self, **arguments: Any) -> Outcome:
        session = await websocket_session(self.app, self.path, json.dumps(arguments))
        escaped = None if session.escaped is None else type(session.escaped).__name__
        received = ("websocket", session.accepted, session.texts, session.close_code, escaped)
        if session.texts and session.close_code == 1000 and escaped is None:
            return Outcome(value=session.texts[0]["value"], received=received)
        return Outcome(
            error=f"messages {session.texts}, closed with {session.close_code}, "
            f"escaped the app: {escaped}",
            received=received,
        )

    async def interrupted(self, trigger: asyncio.Event, **arguments: Any) -> Outcome:
        return await cancel_when(self, trigger, arguments)


class WebSocketRuntime:
    id = "websocket"
    adapter = injectq_fastapi
    path = "/ws"
    unit_name = "WEBSOCKET /ws"

    seen_on_interruption: tuple[type[BaseException], ...] = (asyncio.CancelledError,)
    seen_on_timeout: tuple[type[BaseException], ...] = ()

    @property
    def errors(self) -> Mapping[str, Callable[[], Exception]]:
        return {
            "ValueError": lambda: ValueError("unit failed"),
            "WebSocketException": lambda: WebSocketException(code=1008, reason="policy"),
        }

    @contextlib.asynccontextmanager
    async def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> AsyncGenerator[Call]:
        no_time_limit(time_limit, "FastAPI")
        app = fastapi_app(container, validate)
        app.websocket(self.path)(session_handler(unit, self.unit_name))
        async with lifespan(app):
            yield WebSocketCall(app, self.path)

    def names(self, outcome: Outcome) -> list[str]:
        return [self.unit_name]


# taskiq


@dataclass
class TaskCall:
    task: AsyncTaskiqDecoratedTask[Any, Any]
    #: the ids of the messages the worker acknowledged (None: the broker has no acks)
    acked: set[str] | None = None

    async def __call__(self, **arguments: Any) -> Outcome:
        return await self._result(await self.task.kiq(**arguments))

    async def interrupted(self, trigger: asyncio.Event, **arguments: Any) -> Outcome:
        kicker = self.task.kicker().with_labels(timeout=INTERRUPT_AFTER)
        return await self._result(await kicker.kiq(**arguments))

    async def _result(self, sent: Any) -> Outcome:
        task_id: str = sent.task_id
        try:
            result = await sent.wait_result(timeout=RESULT_WAIT, check_interval=0.005)
        except Exception as error:  # the worker stored no result
            return Outcome(error=f"no result: {error!r}", received=("lost",), unit_id=task_id)
        acked: bool | None = None
        if self.acked is not None:
            with contextlib.suppress(TimeoutError):  # the ack follows the result's saving
                async with asyncio.timeout(1):
                    while task_id not in self.acked:  # noqa: ASYNC110 - nothing signals an ack
                        await asyncio.sleep(0.002)
            acked = task_id in self.acked
        received: tuple[Any, ...]
        if result.is_err:
            failure = result.error
            received = ("task", True, type(failure).__name__, str(failure), acked)
            return Outcome(error=repr(failure), received=received, unit_id=task_id)
        received = ("task", False, result.return_value, acked)
        return Outcome(value=result.return_value, received=received, unit_id=task_id)


class TaskRuntime:
    """What both taskiq runtimes share: a task named `unit`, the errors a task raises."""

    adapter = injectq_taskiq
    task_name = "unit"
    unit_name = "task unit"

    seen_on_interruption: tuple[type[BaseException], ...] = (TimeoutError,)
    seen_on_timeout: tuple[type[BaseException], ...] = (TimeoutError,)

    @property
    def errors(self) -> Mapping[str, Callable[[], Exception]]:
        return {
            "ValueError": lambda: ValueError("unit failed"),
        }

    def register(
        self, broker: AsyncBroker, unit: Callable[..., Any], time_limit: float | None
    ) -> AsyncTaskiqDecoratedTask[Any, Any]:
        labels = {} if time_limit is None else {"timeout": time_limit}
        return broker.task(task_name=self.task_name, **labels)(unit)

    def names(self, outcome: Outcome) -> list[str]:
        assert outcome.unit_id is not None
        return [self.unit_name, outcome.unit_id]


class InMemoryTaskRuntime(TaskRuntime):
    id = "task-inmemory"

    @contextlib.asynccontextmanager
    async def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> AsyncGenerator[Call]:
        broker = InMemoryBroker(max_stored_results=1000)
        injectq_taskiq.setup_taskiq_integration(broker, container, **opt_out(validate))
        task = self.register(broker, unit, time_limit)
        await broker.startup()  # client and worker start-up, both
        try:
            yield TaskCall(task)
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(broker.wait_all(), RESULT_WAIT)
            await broker.shutdown()


class QueueBroker(AsyncBroker):
    """A broker whose queue lives in this process: `kick` puts a message, `listen` hands it
    to the worker with an acknowledgement that is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[BrokerMessage] = asyncio.Queue()
        self.acked: set[str] = set()

    async def kick(self, message: BrokerMessage) -> None:
        await self.queue.put(message)

    async def listen(self) -> AsyncIterator[bytes | AckableMessage]:  # type: ignore[override]
        while True:
            message = await self.queue.get()
            yield AckableMessage(data=message.message, ack=partial(self.acked.add, message.task_id))


class ReceiverTaskRuntime(TaskRuntime):
    """As `taskiq worker` runs tasks: the broker marked as the worker's, the tasks registered,
    then the `Receiver` made (it reads each task's signature now), then the broker's start-up,
    then the receiver listening."""

    id = "task-receiver"

    @contextlib.asynccontextmanager
    async def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> AsyncGenerator[Call]:
        broker = QueueBroker().with_result_backend(InmemoryResultBackend(max_stored_results=1000))
        broker.is_worker_process = True  # `taskiq worker` sets it before importing the tasks
        injectq_taskiq.setup_taskiq_integration(broker, container, **opt_out(validate))
        task = self.register(broker, unit, time_limit)
        with ThreadPoolExecutor() as pool:  # the worker's pool for sync tasks
            receiver = Receiver(  # the worker's defaults
                broker,
                executor=pool,
                validate_params=True,
                max_async_tasks=100,
                max_prefetch=0,
                propagate_exceptions=True,
                run_startup=False,  # started below, so that a failed start-up is raised here
            )
            await broker.startup()
            finish = asyncio.Event()
            listening = asyncio.create_task(receiver.listen(finish))
            try:
                yield TaskCall(task, acked=broker.acked)
            finally:
                finish.set()
                await asyncio.wait_for(listening, RESULT_WAIT)
                await broker.shutdown()


# FastMCP


@dataclass
class ToolCall:
    client: Client[Any]
    name: str

    async def __call__(self, **arguments: Any) -> Outcome:
        received: tuple[Any, ...]
        try:
            result = await self.client.call_tool(self.name, arguments, raise_on_error=False)
        except Exception as error:  # a protocol error
            received = ("tool", "protocol error", type(error).__name__, str(error))
            return Outcome(error=f"{type(error).__name__}: {error}", received=received)
        texts = [getattr(content, "text", None) for content in result.content]
        received = ("tool", result.is_error, texts, result.structured_content)
        if result.is_error:
            return Outcome(error=" ".join(str(text) for text in texts), received=received)
        return Outcome(value=result.data, received=received)

    async def interrupted(self, trigger: asyncio.Event, **arguments: Any) -> Outcome:
        # the client's cancellation is sent to the server, which cancels the call
        return await cancel_when(self, trigger, arguments)


class ToolRuntime:
    id = "tool"
    adapter = injectq_fastmcp
    tool_name = "unit"
    unit_name = "tool unit"

    seen_on_interruption: tuple[type[BaseException], ...] = (asyncio.CancelledError,)
    seen_on_timeout: tuple[type[BaseException], ...] = (TimeoutError,)

    @property
    def errors(self) -> Mapping[str, Callable[[], Exception]]:
        return {
            "ValueError": lambda: ValueError("unit failed"),
            "ToolError": lambda: ToolError("refused"),
        }

    @contextlib.asynccontextmanager
    async def serving(
        self,
        container: InjectQ,
        unit: Callable[..., Any],
        *,
        validate: bool = True,
        time_limit: float | None = None,
    ) -> AsyncGenerator[Call]:
        mcp: FastMCP[Any] = FastMCP("conformance")
        injectq_fastmcp.setup_fastmcp_integration(mcp, container, **opt_out(validate))
        mcp.tool(name=self.tool_name, timeout=time_limit)(unit)
        async with Client(mcp) as client:
            yield ToolCall(client, self.tool_name)

    def names(self, outcome: Outcome) -> list[str]:
        return [self.unit_name]


#: every runtime, by pytest id
RUNTIMES: dict[str, Callable[[], Runtime]] = {
    "http": HttpRuntime,
    "websocket": WebSocketRuntime,
    "task-inmemory": InMemoryTaskRuntime,
    "task-receiver": ReceiverTaskRuntime,
    "tool": ToolRuntime,
}


def runtimes(*, only: Iterable[str] | None = None) -> Any:
    """Parameters for `@pytest.mark.parametrize("runtime", ..., indirect=True)`: every
    runtime, or `only` these."""
    chosen = RUNTIMES if only is None else [key for key in RUNTIMES if key in set(only)]
    return [pytest.param(key, id=key) for key in chosen]
