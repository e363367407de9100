"""taskiq's own dependency injection: ``TaskiqDepends`` parameter defaults.

The Session comes from a dependency function; taskiq caches a dependency's value per callable
within one task run, so the two Session parameters get one object. The AppState singleton is
built by a worker-startup handler into the broker's ``TaskiqState`` and read from there by a
dependency, as taskiq's documentation shows for shared resources.
"""

from _taskiq_harness import TaskiqCase
from _taskiq_model import AppState, Session, task_body
from taskiq import InMemoryBroker, TaskiqDepends, TaskiqEvents, TaskiqState


def new_session() -> Session:
    return Session()


def app_state(state: TaskiqState = TaskiqDepends()) -> AppState:
    return state.app_state


def build(broker: InMemoryBroker) -> TaskiqCase:
    @broker.on_event(TaskiqEvents.WORKER_STARTUP)
    async def create_state(state: TaskiqState) -> None:
        state.app_state = AppState()

    @broker.task
    async def depends_task(
        x: int,
        session: Session = TaskiqDepends(new_session),
        session_again: Session = TaskiqDepends(new_session),
        state: AppState = TaskiqDepends(app_state),
    ):
        return await task_body(x, session, session_again, state)

    return TaskiqCase(depends_task, "Session from a dependency function, AppState in TaskiqState")
