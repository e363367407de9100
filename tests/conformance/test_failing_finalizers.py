"""Row 3: a failing finalizer is logged with the unit of work's name and changes nothing the
client receives (the response, the WebSocket messages, the stored result and the ack, the
tool result)."""

import logging
from typing import Any

import pytest

from injectq import Inject, InjectQ
from tests._journal import Journal

from ._runtimes import Outcome, Runtime
from ._services import (
    AsyncResource,
    BrokenFinalizerError,
    SyncResource,
    async_finalized,
    closes,
    sync_finalized,
)

pytestmark = pytest.mark.timeout(20)


def container_of(journal: Journal, *, failing: bool) -> InjectQ:
    """Two scoped services; with `failing`, both their finalizers raise BrokenFinalizerError."""
    container = InjectQ()
    container.bind_factory(
        AsyncResource, async_finalized(journal, AsyncResource, fails=failing), scope="scoped"
    )
    container.bind_factory(
        SyncResource, sync_finalized(journal, SyncResource, fails=failing), scope="scoped"
    )
    return container


async def unit(fail: bool, first: Inject[AsyncResource], second: Inject[SyncResource]) -> Any:
    if fail:
        raise ValueError("unit failed")
    return {"done": True}


def text_of(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text


def failure_records(caplog: pytest.LogCaptureFixture, names: list[str]) -> list[str]:
    """The error records that name the unit of work (every one of `names`) and the failed
    finalizer."""
    return [
        text_of(record)
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and all(name in record.getMessage() for name in names)
        and BrokenFinalizerError.__name__ in text_of(record)
    ]


async def test_a_failing_finalizer_is_logged_naming_the_unit_and_changes_nothing_for_the_client(
    runtime: Runtime, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    async with runtime.serving(container_of(journal, failing=False), unit) as call:
        expected = {"success": await call(fail=False), "failure": await call(fail=True)}

    caplog.clear()
    got: dict[str, Outcome] = {}
    logged: dict[str, list[str]] = {}
    async with runtime.serving(container_of(journal, failing=True), unit) as call:
        for case, fail in (("success", False), ("failure", True)):
            caplog.clear()
            got[case] = await call(fail=fail)
            logged[case] = failure_records(caplog, runtime.names(got[case]))

    assert expected["success"].ok, expected["success"].error
    assert not expected["failure"].ok
    assert {case: outcome.received for case, outcome in got.items()} == {
        case: outcome.received for case, outcome in expected.items()
    }, "a failing finalizer changed what the client received"
    assert len(closes(journal, AsyncResource)) == len(closes(journal, SyncResource)) == 4, (
        "every finalizer ran, the failing ones too"
    )
    assert {case: len(records) for case, records in logged.items()} == {
        "success": 1,
        "failure": 1,
    }, f"one error record naming {runtime.names(got['success'])} and the failed finalizers"
