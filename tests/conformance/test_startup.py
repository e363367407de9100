"""Row 7: each runtime validates its units of work when it starts (the FastAPI lifespan, the
taskiq worker's start-up, the FastMCP lifespan), naming the route, task or tool and the path;
`validate=False` on the adapter's set-up opts out."""

from collections.abc import Callable
from typing import Any, cast

import pytest

from injectq import Inject, InjectQ, InjectQError

from ._runtimes import Runtime
from ._services import Unbound

pytestmark = pytest.mark.timeout(20)


async def unit(service: Inject[Unbound]) -> str:
    return service.fetch()


async def start_up_error(runtime: Runtime, container: InjectQ, unit: Callable[..., Any]) -> Any:
    """What starting the runtime raised (None: it started)."""
    try:
        async with runtime.serving(container, unit):
            return None
    except Exception as error:
        return error


def injectq_error_in(error: BaseException) -> InjectQError | None:
    """The InjectQ error `error` is, or carries (as a cause, a context or in a group)."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, InjectQError):
            return current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(cast("BaseExceptionGroup[BaseException]", current).exceptions)
    return None


async def test_a_unit_that_needs_an_unbound_key_stops_its_runtime_from_starting(
    runtime: Runtime,
) -> None:
    error = await start_up_error(runtime, InjectQ(), unit)

    assert error is not None, f"{runtime.id} started with a unit that needs an unbound key"
    found = injectq_error_in(error)
    assert found is not None, f"the start-up failed with {error!r}, not an InjectQ error"
    assert runtime.unit_name in str(found), str(found)
    assert f"{runtime.unit_name} -> Unbound" in str(found), "the path from the unit to the key"


async def test_start_up_validation_can_be_turned_off(runtime: Runtime) -> None:
    async with runtime.serving(InjectQ(), unit, validate=False) as call:
        outcome = await call()

    assert not outcome.ok, "the unit still fails when it runs"
