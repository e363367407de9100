"""How the taskiq suite drives a broker: one timed run is a batch of tasks, end to end.

One run sends ``BATCH`` tasks the way an application does it: ``await task.kiq(i)`` for each,
``await broker.wait_all()``, then ``await handle.wait_result(...)`` for each handle (the
broker's in-memory result backend), raising if a task failed. The runner divides a batch's
time by ``BATCH``, so sending, the worker side (message parsing, middleware, dependency
resolution, the task itself, storing the result) and reading the result are all in it.
``check_outputs`` is the check of two batches.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from _suite import expect, one_line
from taskiq import AsyncTaskiqDecoratedTask, InMemoryBroker

BATCH = 100
"""Tasks per timed run; all of them are in flight at once in the concurrent scenario."""

RESULT_TIMEOUT = 5.0
"""Seconds ``wait_result`` may wait; every result is ready by then unless something broke."""


@dataclass(frozen=True, slots=True)
class TaskiqCase:
    """What a contestant's ``build(broker)`` returns: the task it registered on the broker."""

    task: AsyncTaskiqDecoratedTask[..., Any]
    note: str = ""


Outputs: TypeAlias = list[object]


def batch_runner(
    broker: InMemoryBroker, task: AsyncTaskiqDecoratedTask[..., Any], size: int
) -> Callable[[], Awaitable[Outputs]]:
    """One timed run: send ``size`` tasks, wait for them, return their return values."""
    kiq = task.kiq

    async def run() -> Outputs:
        handles = [await kiq(i) for i in range(size)]
        await broker.wait_all()
        outputs: Outputs = []
        for index, handle in enumerate(handles):
            result = await handle.wait_result(check_interval=0.01, timeout=RESULT_TIMEOUT)
            if result.is_err:
                error = result.error
                reason = one_line(error) if isinstance(error, BaseException) else repr(error)
                raise RuntimeError(f"task {index} failed: {reason}")
            outputs.append(result.return_value)
        return outputs

    return run


def check_outputs(first: object, second: object, size: int = BATCH) -> None:
    """Each task got its own argument, one Session of its own (the same object both times it
    asked), and every task of both batches the same AppState singleton."""
    sessions: list[int] = []
    states: set[int] = set()
    for batch in (first, second):
        expect(isinstance(batch, list), f"a batch returned a {type(batch).__name__}, not a list")
        assert isinstance(batch, list)
        expect(len(batch) == size, f"a batch returned {len(batch)} results, not {size}")
        for index, output in enumerate(batch):
            expect(
                isinstance(output, tuple)
                and len(output) == 4
                and all(isinstance(v, int) for v in output),
                f"task {index} returned {output!r}, not the 4-tuple of task_body",
            )
            assert isinstance(output, tuple)
            x, session, session_again, state = output
            expect(x == index, f"task {index} returned the result of task {x}")
            expect(session > 0, f"task {index} was given something else for its Session")
            expect(state < 0, f"task {index} was given something else for its AppState")
            expect(
                session == session_again,
                f"task {index} was given two different Sessions (not one per task run)",
            )
            sessions.append(session)
            states.add(state)
    distinct = len(set(sessions))
    expect(
        distinct == len(sessions),
        f"{len(sessions)} task runs shared {distinct} Sessions (not one per task run)",
    )
    expect(len(states) == 1, f"the tasks were given {len(states)} AppStates, not one singleton")
