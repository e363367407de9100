"""A shop, as an application would write it: one set of Modules, two kinds of process.

`python -m uvicorn tests.e2e.shop_app:app` serves the API and `taskiq worker
tests.e2e.shop_app:broker` runs its tasks; each process builds its own container from the same
Module classes (`build_container()`), so each has its own singletons. The environment names
the infrastructure: `INJECTQ_E2E_REDIS_URL` (required) and `INJECTQ_E2E_NAMESPACE` (queue and
result keys of its own, so that several shops can share one Redis).

- `Catalog` is a singleton: it records the process that built it, and says "closed Catalog
  <id>" on stdout when its container closes (the app's lifespan end, the worker's shutdown);
- `UnitOfWork` is scoped: one per request in the API, one per task attempt in the worker;
- `RequestContext` (correlation id, tenant) is made from the request's headers in the API and
  propagated to the tasks the request sends, and on to the tasks those send.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.requests import Request
from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend

from injectq import Binder, InjectQ, Module, provider, scoped, singleton
from injectq_fastapi import Inject, setup_fastapi_integration
from injectq_taskiq import Inject as TaskInject
from injectq_taskiq import setup_taskiq_integration

# ---------------------------------------------------------------------------------------------
# services


@dataclass(frozen=True)
class Settings:
    redis_url: str
    namespace: str

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            redis_url=os.environ["INJECTQ_E2E_REDIS_URL"],
            namespace=os.environ.get("INJECTQ_E2E_NAMESPACE", "shop"),
        )

    @property
    def prefix(self) -> str:
        return f"injectq-e2e-shop:{self.namespace}"


class Catalog:
    """Loaded once per process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.id = uuid.uuid4().hex
        self.prices = {"book": 12, "pen": 2}

    def identity(self) -> dict[str, Any]:
        return {"pid": self.pid, "id": self.id}


class UnitOfWork:
    """One per unit of work: an HTTP request, a task attempt."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    tenant: str


# ---------------------------------------------------------------------------------------------
# modules: the same classes in every process


class SettingsModule(Module):
    def configure(self, binder: Binder) -> None:
        binder[Settings] = Settings.from_env()


class ShopModule(Module):
    @singleton
    @provider
    def catalog(self) -> Iterator[Catalog]:
        catalog = Catalog()
        yield catalog
        print(f"closed Catalog {catalog.id} in {os.getpid()}", flush=True)

    @scoped
    @provider
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        unit = UnitOfWork()
        yield unit
        print(f"closed UnitOfWork {unit.id} in {os.getpid()}", flush=True)

    @provider(scope="scoped")
    def request_context(self, request: Request) -> RequestContext:
        """In the API; a task's scope gets the value its sender propagated instead."""
        return RequestContext(
            correlation_id=request.headers.get("x-correlation-id") or uuid.uuid4().hex,
            tenant=request.headers.get("x-tenant", "public"),
        )


def build_container() -> InjectQ:
    container = InjectQ()
    container.install(SettingsModule())
    container.install(ShopModule())
    container.propagate(RequestContext)
    return container


# ---------------------------------------------------------------------------------------------
# the broker (the API sends, the worker runs) and the tasks

container = build_container()
settings = container.get(Settings)
broker = ListQueueBroker(settings.redis_url, queue_name=f"{settings.prefix}:queue")
broker = broker.with_result_backend(
    RedisAsyncResultBackend(settings.redis_url, prefix_str=settings.prefix)
)
setup_taskiq_integration(broker, container)


def unit_report(context: RequestContext, unit: UnitOfWork) -> dict[str, Any]:
    return {"context": asdict(context), "unit": unit.id, "pid": os.getpid()}


@broker.task("shop.send_receipt")
async def send_receipt(
    item: str, context: TaskInject[RequestContext], unit: TaskInject[UnitOfWork]
) -> dict[str, Any]:
    return {"item": item, **unit_report(context, unit)}


@broker.task("shop.confirm_order")
async def confirm_order(
    item: str,
    context: TaskInject[RequestContext],
    unit: TaskInject[UnitOfWork],
    catalog: TaskInject[Catalog],
) -> dict[str, Any]:
    receipt = await send_receipt.kiq(item)  # sent from inside the task: the context travels
    return {
        **unit_report(context, unit),
        "price": catalog.prices[item],
        "worker_singleton": catalog.identity(),
        "receipt_task_id": receipt.task_id,
    }


# ---------------------------------------------------------------------------------------------
# the API


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await broker.startup()  # the API is a client of the broker: it sends tasks
    try:
        yield
    finally:
        await broker.shutdown()


app = FastAPI(lifespan=lifespan)
setup_fastapi_integration(app, container)


class Order(BaseModel):
    item: str


@app.post("/orders")
async def place_order(
    order: Order,
    context: Inject[RequestContext],
    unit: Inject[UnitOfWork],
    catalog: Inject[Catalog],
) -> dict[str, Any]:
    sent = await confirm_order.kiq(order.item)
    return {
        "task_id": sent.task_id,
        "api_singleton": catalog.identity(),
        "request_unit": unit.id,
        "context": asdict(context),
    }


@app.get("/identity")
async def identity(catalog: Inject[Catalog]) -> dict[str, Any]:
    return catalog.identity()


@app.get("/tasks/{task_id}")
async def task_result(task_id: str) -> dict[str, Any]:
    """`{"ready": false}` until the task finished, then its outcome."""
    backend = broker.result_backend
    if not await backend.is_result_ready(task_id):
        return {"ready": False}
    result = await backend.get_result(task_id)
    error = None if result.error is None else repr(result.error)
    return {"ready": True, "error": error, "value": result.return_value}
