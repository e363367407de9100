"""InjectQ's taskiq adapter: ``setup_taskiq_integration`` and ``InjectQDependency(T)``.

The adapter's middleware opens one InjectQ scope per task attempt; the Session is bound
``scoped`` (one per task run), the AppState ``singleton``.
"""

from _taskiq_harness import TaskiqCase
from _taskiq_model import AppState, Session, task_body
from taskiq import InMemoryBroker

from injectq import InjectQ
from injectq_taskiq import InjectQDependency, setup_taskiq_integration


def build(broker: InMemoryBroker) -> TaskiqCase:
    container = InjectQ()
    container.bind(AppState, AppState, scope="singleton")
    container.bind(Session, Session, scope="scoped")
    setup_taskiq_integration(broker, container)

    @broker.task
    async def injectq_task(
        x: int,
        session: Session = InjectQDependency(Session),
        session_again: Session = InjectQDependency(Session),
        state: AppState = InjectQDependency(AppState),
    ):
        return await task_body(x, session, session_again, state)

    return TaskiqCase(injectq_task, "scoped Session, singleton AppState")
