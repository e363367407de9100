"""dishka's taskiq integration: ``setup_dishka``, ``@inject`` and ``FromDishka[T]``.

The Session is provided in ``Scope.REQUEST`` (dishka's middleware opens a request container
per task message), the AppState in ``Scope.APP``; ``TaskiqProvider`` makes the message
available as dishka's documentation sets it up.
"""

from _taskiq_harness import TaskiqCase
from _taskiq_model import AppState, Session, task_body
from dishka import Provider, Scope, make_async_container
from dishka.integrations.taskiq import FromDishka, TaskiqProvider, inject, setup_dishka
from taskiq import InMemoryBroker


def build(broker: InMemoryBroker) -> TaskiqCase:
    provider = Provider()
    provider.provide(AppState, scope=Scope.APP)
    provider.provide(Session, scope=Scope.REQUEST)
    container = make_async_container(provider, TaskiqProvider())
    setup_dishka(container, broker)

    @broker.task
    @inject(patch_module=True)
    async def dishka_task(
        x: int,
        session: FromDishka[Session],
        session_again: FromDishka[Session],
        state: FromDishka[AppState],
    ):
        return await task_body(x, session, session_again, state)

    return TaskiqCase(dishka_task, "REQUEST-scoped Session, APP-scoped AppState")
