"""The FastAPI app: on the container of `tasks.py`, so the tasks it sends carry its context."""

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from injectq.integrations.fastapi import Inject, setup_fastapi_integration

from .journal import Journal, RequestContext
from .modules import OrderRepository, UnitOfWork
from .tasks import broker, confirm_order, container


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
    await broker.startup()  # the API sends tasks: it is a client of the broker
    try:
        yield
    finally:
        await broker.shutdown()
        # the app's own lifespan ends here; InjectQ's holds the container until after it
        container.get(Journal).event("runtime:API lifespan", "end")


app = FastAPI(lifespan=lifespan)
setup_fastapi_integration(app, container)


class NewOrder(BaseModel):
    item: str


@app.post("/orders", status_code=202)
async def place_order(
    order: NewOrder,
    context: Inject[RequestContext],
    orders: Inject[OrderRepository],
    unit: Inject[UnitOfWork],
    journal: Inject[Journal],
) -> dict[str, Any]:
    order_id = await orders.add(context, order.item)
    await unit.commit()  # before sending: the task may start before this request ends
    sent = await confirm_order.kiq(order_id)
    seen = {"repository": orders.id, "repository_unit": orders.unit.id}
    journal.record("POST /orders", context, unit.id, sent=sent.task_id, **seen)
    return {"order_id": order_id, "task_id": sent.task_id, "unit": unit.id}


@app.get("/orders/{order_id}")
async def get_order(
    order_id: int,
    context: Inject[RequestContext],
    orders: Inject[OrderRepository],
    unit: Inject[UnitOfWork],
    journal: Inject[Journal],
) -> dict[str, Any]:
    journal.record(f"GET /orders/{order_id}", context, unit.id, repository=orders.id)
    order = await orders.get(context.tenant, order_id)
    if order is None:  # handled by FastAPI: for the finalizers the request succeeded
        raise HTTPException(status_code=404, detail=f"no order {order_id}")
    return order
