"""Row 1: a scope per unit of work, shared within it, never across units."""

import asyncio
import gc
from typing import Any

import pytest

from injectq import Inject, InjectQ, Scope
from tests._journal import Journal

from ._runtimes import Runtime
from ._services import Scoped, async_finalized, closes, opened

pytestmark = pytest.mark.timeout(20)


async def test_each_unit_of_work_gets_its_own_scope(runtime: Runtime, journal: Journal) -> None:
    container = InjectQ()
    container.bind_factory(Scoped, async_finalized(journal, Scoped), scope="scoped")

    async def unit(first: Inject[Scoped], second: Inject[Scoped]) -> dict[str, Any]:
        looked_up = await container.aget(Scoped)  # code the unit calls resolves into its scope
        return {"first": first.number, "second": second.number, "looked_up": looked_up.number}

    async with runtime.serving(container, unit) as call:
        one = await call()
        two = await call()

    assert one.ok, one.error
    assert two.ok, two.error
    assert one.value["first"] == one.value["second"] == one.value["looked_up"]
    assert two.value["first"] == two.value["second"] == two.value["looked_up"]
    assert one.value["first"] != two.value["first"]
    assert closes(journal, Scoped) == {one.value["first"]: [None], two.value["first"]: [None]}


async def test_100_units_in_flight_at_once_never_see_each_others_scoped_instance(
    runtime: Runtime, journal: Journal
) -> None:
    container = InjectQ()
    container.bind_factory(Scoped, async_finalized(journal, Scoped), scope="scoped")
    units = 100
    arrived: list[int] = []
    all_in = asyncio.Event()

    async def unit(n: int, first: Inject[Scoped]) -> dict[str, Any]:
        # returns once all the units are in flight, so that their scopes are open together
        arrived.append(n)
        if len(arrived) == units:
            all_in.set()
        try:
            await asyncio.wait_for(all_in.wait(), 5)
        finally:
            all_in.set()  # one unit timing out releases the others: fail fast
        looked_up = await container.aget(Scoped)
        return {"n": n, "first": first.number, "looked_up": looked_up.number}

    async with runtime.serving(container, unit) as call:
        outcomes = await asyncio.gather(*(call(n=n) for n in range(units)))

    assert [outcome.error for outcome in outcomes] == [None] * units
    values = [outcome.value for outcome in outcomes]
    assert [value["n"] for value in values] == list(range(units))
    assert all(value["first"] == value["looked_up"] for value in values)
    numbers = {value["first"] for value in values}
    assert len(numbers) == units, "no two units share a scoped instance"
    assert closes(journal, Scoped) == {number: [None] for number in numbers}, (
        "each finalizer ran once, seeing no error"
    )
    first_close = next(i for i, event in enumerate(journal.events) if event[0] == "close")
    assert len(opened(journal, Scoped)) == units
    assert first_close >= units, "all the scopes were open at once"


async def test_a_finished_unit_of_work_leaves_no_reference_cycle_behind(runtime: Runtime) -> None:
    # a cycle through the scope (its label holding it, say) would leave every unit of work
    # to the garbage collector: collections every few hundred units, under load
    container = InjectQ()
    container.bind(Scoped, Scoped, scope="scoped")

    async def unit(first: Inject[Scoped]) -> int:
        return first.number

    async with runtime.serving(container, unit) as call:
        assert (await call()).ok
        gc.collect()
        gc.disable()
        try:
            # held, so that no new scope can take the place (and id) of one of these
            before = [o for o in gc.get_objects() if type(o) is Scope]
            known = {id(o) for o in before}
            for _ in range(20):
                outcome = await call()
                assert outcome.ok, outcome.error
            left = [
                o
                for o in gc.get_objects()
                if type(o) is Scope and id(o) not in known and o.parent is not None
            ]
        finally:
            gc.enable()
    assert left == []
