"""No injection at all: the task builds its Session and reads the singleton from a closure.

This is the cheapest correct way to give a task a fresh object and a shared one, and the
floor every other contestant's tasks per second are divided by.
"""

from _taskiq_harness import TaskiqCase
from _taskiq_model import AppState, Session, task_body
from taskiq import InMemoryBroker


def build(broker: InMemoryBroker) -> TaskiqCase:
    state = AppState()

    # no return annotation on any contestant's task: taskiq would parse every result with it
    @broker.task
    async def floor_task(x: int):
        session = Session()
        return await task_body(x, session, session, state)

    return TaskiqCase(floor_task, "Session() in the task, AppState from a closure")
