"""Row 2: finalizers see the exception the user's code raised, even one the framework handles
(HTTPException, an exception handler's, WebSocketException, ToolError)."""

from typing import Any

import pytest

from injectq import Inject, InjectQ
from tests._journal import Journal

from ._runtimes import Outcome, Runtime
from ._services import AsyncResource, SyncResource, async_finalized, closes, sync_finalized

pytestmark = pytest.mark.timeout(20)


async def test_finalizers_see_the_exception_the_unit_raised_even_when_the_framework_handles_it(
    runtime: Runtime, journal: Journal
) -> None:
    container = InjectQ()
    container.bind_factory(AsyncResource, async_finalized(journal, AsyncResource), scope="scoped")
    container.bind_factory(SyncResource, sync_finalized(journal, SyncResource), scope="scoped")
    raised: dict[str, tuple[int, int, BaseException]] = {}

    async def unit(
        kind: str, first: Inject[AsyncResource], second: Inject[SyncResource]
    ) -> dict[str, Any]:
        error = runtime.errors[kind]()
        raised[kind] = (first.number, second.number, error)
        raise error

    outcomes: dict[str, Outcome] = {}
    async with runtime.serving(container, unit) as call:
        for kind in runtime.errors:
            outcomes[kind] = await call(kind=kind)

    assert all(not outcome.ok for outcome in outcomes.values()), outcomes
    assert raised.keys() == runtime.errors.keys(), "every unit ran and raised"
    async_closes = closes(journal, AsyncResource)
    sync_closes = closes(journal, SyncResource)

    def seen(kind: str) -> dict[str, list[str]]:
        """What each finalizer of the unit that raised `kind` saw: the very exception the
        unit raised ("raised"), or another one (its type)."""
        first, second, error = raised[kind]
        return {
            name: ["raised" if seen is error else repr(seen) for seen in errors]
            for name, errors in (
                ("async finalizer", async_closes.get(first, [])),
                ("sync finalizer", sync_closes.get(second, [])),
            )
        }

    assert {kind: seen(kind) for kind in runtime.errors} == {
        kind: {"async finalizer": ["raised"], "sync finalizer": ["raised"]}
        for kind in runtime.errors
    }
