"""The broker, the tasks and the scheduler; builds the container once for this process.

Without SHOP_REDIS_URL the broker is taskiq's InMemoryBroker, which runs each task in the
sending process as an asyncio task. With it, the broker is taskiq-redis's RedisStreamBroker
(acknowledged messages: a task whose worker dies is run again, see
docs/guides/production.md); `taskiq worker examples.shop.tasks:broker --ack-type when_saved`
runs the tasks and `taskiq scheduler examples.shop.tasks:scheduler` sends the cron task.
"""

import time
from typing import Any

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.schedule_sources import LabelScheduleSource

from injectq.integrations.taskiq import (
    Inject,
    InjectQDependency,
    TaskInfo,
    TaskiqScheduler,
    setup_taskiq_integration,
)

from .journal import Journal, RequestContext
from .modules import EmailSender, OrderRepository, Settings, UnitOfWork, build_container


def make_broker(settings: Settings) -> AsyncBroker:
    if settings.redis_url is None:
        return InMemoryBroker()  # tasks run in this process, as asyncio tasks
    from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

    prefix = settings.redis_prefix
    # a Redis stream read by a consumer group: a message stays pending until a worker acks
    # it, and one left pending by a worker that died is claimed and run again by another
    broker = RedisStreamBroker(
        settings.redis_url,
        queue_name=f"{prefix}:stream",
        consumer_group_name=f"{prefix}:workers",
        idle_timeout=60_000,  # ms pending before another worker may claim it: > longest task
        socket_timeout=None,  # with a socket timeout, a worker can miss SIGTERM (Python 3.11)
    )
    backend: RedisAsyncResultBackend[Any] = RedisAsyncResultBackend(
        settings.redis_url, prefix_str=prefix
    )
    return broker.with_result_backend(backend)


container = build_container()
broker = make_broker(container.get(Settings))
setup_taskiq_integration(broker, container)
scheduler = TaskiqScheduler(broker=broker, sources=[LabelScheduleSource(broker)])


@broker.task("shop.confirm_order")
async def confirm_order(
    order_id: int,
    context: Inject[RequestContext] = InjectQDependency(),
    orders: Inject[OrderRepository] = InjectQDependency(),
    unit: Inject[UnitOfWork] = InjectQDependency(),
    journal: Inject[Journal] = InjectQDependency(),
    info: Inject[TaskInfo] = InjectQDependency(),
) -> str:
    await orders.set_status(context.tenant, order_id, "confirmed")
    await unit.commit()  # before sending: the email task reads the confirmed order
    email = await send_order_email.kiq(order_id)  # sent from a task: the context goes along
    seen = {"repository": orders.id, "repository_unit": orders.unit.id, "sent": email.task_id}
    journal.record(f"task {info.task_name}", context, unit.id, task_id=info.task_id, **seen)
    return email.task_id


@broker.task("shop.send_order_email")
async def send_order_email(
    order_id: int,
    context: Inject[RequestContext] = InjectQDependency(),
    orders: Inject[OrderRepository] = InjectQDependency(),
    mail: Inject[EmailSender] = InjectQDependency(),
    unit: Inject[UnitOfWork] = InjectQDependency(),
    journal: Inject[Journal] = InjectQDependency(),
    info: Inject[TaskInfo] = InjectQDependency(),
) -> None:
    order = await orders.get(context.tenant, order_id)
    if order is None:
        raise LookupError(f"no order {order_id} for tenant {context.tenant}")
    await mail.send(context, order_id, f"order {order_id} ({order['item']}): {order['status']}")
    seen = {"repository": orders.id, "repository_unit": orders.unit.id, "mailer": mail.id}
    seen["mailer_unit"] = mail.unit.id
    journal.record(f"task {info.task_name}", context, unit.id, task_id=info.task_id, **seen)


@scheduler.task("shop.cleanup_outbox", schedule=[{"cron": "0 3 * * *"}])  # 03:00 UTC
async def cleanup_outbox(
    settings: Inject[Settings] = InjectQDependency(),
    unit: Inject[UnitOfWork] = InjectQDependency(),
    journal: Inject[Journal] = InjectQDependency(),
    info: Inject[TaskInfo] = InjectQDependency(),
) -> int:
    """Deletes outbox rows older than the retention: no request, so no RequestContext."""
    cutoff = time.time() - settings.outbox_retention_seconds
    cursor = await unit.execute("DELETE FROM outbox WHERE created_at < ?", cutoff)
    context = RequestContext(correlation_id=f"cron-{info.task_id[:8]}", tenant="*")
    journal.record(f"task {info.task_name}", context, unit.id, task_id=info.task_id)
    return cursor.rowcount
