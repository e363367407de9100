"""The code InjectQ generates, read as its users would: `container.source(key)` for canonical
graphs, compared with the snapshots in `snapshots/` (run with INJECTQ_UPDATE_SNAPSHOTS=1 to
rewrite them after a deliberate change, then read the diff), and tracebacks that show it."""

from __future__ import annotations

import difflib
import os
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from injectq import CircularDependencyError, Inject, InjectQ

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("INJECTQ_UPDATE_SNAPSHOTS") == "1"


class Settings:
    pass


class D:
    pass


class B:
    def __init__(self, d: D) -> None:
        self.d = d


class C:
    def __init__(self, d: D) -> None:
        self.d = d


class A:
    def __init__(self, b: B, c: C) -> None:
        self.b = b
        self.c = c


class Session:
    pass


class Service:
    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings


def open_session() -> Iterator[Session]:
    yield Session()


class Pool:
    pass


async def open_pool() -> AsyncIterator[Pool]:
    yield Pool()


class Repository:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool


class Request:
    pass


class Handler:
    def __init__(self, request: Request) -> None:
        self.request = request


class IMetrics(Protocol):
    def count(self) -> None: ...


class Report:
    def __init__(self, metrics: IMetrics | None, settings: Settings | None) -> None:
        self.metrics = metrics
        self.settings = settings


class IMailer(Protocol):
    def send(self) -> None: ...


class FakeMailer:
    def send(self) -> None:
        pass


class Notifier:
    def __init__(self, mailer: IMailer) -> None:
        self.mailer = mailer


class Left:
    def __init__(self, right: Right) -> None:
        self.right = right


class Right:
    def __init__(self, left: Left) -> None:
        self.left = left


def singleton() -> str:
    container = InjectQ()
    container.bind(Settings, Settings)
    return container.source(Settings)


def transient_chain() -> str:
    return InjectQ().source(A)


def scoped_with_finalizer() -> str:
    container = InjectQ()
    container.bind(Settings, Settings)
    container.bind_factory(Session, open_session, scope="scoped")
    return container.source(Service)


def async_factory() -> str:
    container = InjectQ()
    container.bind_factory(Pool, open_pool, scope="singleton")
    return container.source(Repository, is_async=True)


def context_value() -> str:
    container = InjectQ()
    container.declare_context(Request)
    return container.source(Handler)


def optional() -> str:
    return InjectQ().source(Report)


def override() -> str:
    container = InjectQ()
    with container.override(IMailer, FakeMailer):
        return container.source(Notifier)


def cycle_error() -> str:
    with pytest.raises(CircularDependencyError) as raised:
        InjectQ().source(Left)
    return str(raised.value) + "\n"


def entry_point() -> str:
    container = InjectQ()
    container.bind(Settings, Settings)
    container.bind_factory(Session, open_session, scope="scoped")

    def handle(order_id: int, service: Inject[Service], report: Inject[Report]) -> None:
        pass

    return container.injector(handle, name="POST /orders").source()


GRAPHS: dict[str, Callable[[], str]] = {
    graph.__name__: graph
    for graph in (
        singleton,
        transient_chain,
        scoped_with_finalizer,
        async_factory,
        context_value,
        optional,
        override,
        cycle_error,
        entry_point,
    )
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_the_generated_source_matches_its_snapshot(name: str) -> None:
    source = GRAPHS[name]()
    snapshot = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(source)
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with INJECTQ_UPDATE_SNAPSHOTS=1"
    expected = snapshot.read_text()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(True), source.splitlines(True), "snapshot", "generated"
        )
    )
    assert source == expected, diff


def test_every_generated_function_the_source_calls_is_shown(container: InjectQ) -> None:
    container.bind(Settings, Settings)
    container.bind_factory(Session, open_session, scope="scoped")
    source = container.source(Service)
    assert "session = make_Session(scope)" in source
    assert "def make_Session(scope):" in source
    assert "settings = make_Settings(root)" in source
    assert "def make_Settings(scope):" in source


def test_a_traceback_through_generated_code_shows_the_generated_lines(
    container: InjectQ,
) -> None:
    def broken_session() -> Iterator[Session]:
        raise ConnectionError("database is down")
        yield Session()

    container.bind_factory(Session, broken_session, scope="scoped")
    with pytest.raises(ConnectionError) as raised, container.scope():
        container.get(Service)
    text = "".join(traceback.format_exception(raised.value))
    assert 'File "<injectq resolve_Service' in text
    assert "session = make_Session(scope)" in text  # the line itself, from linecache
    assert "session = next(session_generator, _MISSING)" in text
    assert "InjectQ: raised while resolving Service -> Session" in text
