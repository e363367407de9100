"""What the core gives adapters for their runtimes: shared lifespans, the frameworks' markers in
`Inject[T]`, one validation problem per cause, and what a unit of work must be sent."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import NewType, Protocol, get_args

import pytest

import injectq
from injectq import EntryPoint, Inject, InjectQ, PropagationError, ScopeError, ValidationError
from tests._journal import Journal


class Pool:
    pass


async def test_singletons_close_once_after_the_last_of_several_lifespans(journal: Journal) -> None:
    container = InjectQ()

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("pool closed")

    container.bind_factory(Pool, pool, scope="singleton")
    api = container.lifespan("the API")
    mcp = container.lifespan("the MCP server")
    async with api:
        made = await container.aget(Pool)
        async with mcp:
            assert container.lifespans_open == 2
        assert journal.events == []  # the MCP server ended; the API still serves
        assert await container.aget(Pool) is made
    assert journal.events == [["pool closed"]]
    assert container.lifespans_open == 0


async def test_a_lifespan_entered_twice_is_a_scope_error() -> None:
    lifespan = InjectQ().lifespan("the API")
    async with lifespan:
        with pytest.raises(ScopeError, match="the API"):
            await lifespan.__aenter__()


class Marker:
    def __init__(self, key: object) -> None:
        self.key = key


def test_inject_carries_the_marker_of_an_imported_framework() -> None:
    # a framework module that is imported: its adapter's marker joins the core's
    sys.modules.setdefault("injectq_test_framework", sys)
    injectq.add_framework_marker("injectq_test_framework", Marker)
    try:
        metadata = get_args(Inject[Pool])[1:]
        assert any(isinstance(item, Marker) and item.key is Pool for item in metadata)
        assert injectq.is_marker(metadata[0])  # the core's own comes first
    finally:
        del sys.modules["injectq_test_framework"]
    assert not any(isinstance(item, Marker) for item in get_args(Inject[Pool])[1:])


def test_inject_of_an_optional_type_keeps_the_optional_annotation() -> None:
    assert get_args(Inject[Pool | None])[0] == Pool | None


def test_add_framework_marker_refuses_bad_arguments() -> None:
    with pytest.raises(TypeError):
        injectq.add_framework_marker("", Marker)
    with pytest.raises(TypeError):
        injectq.add_framework_marker("x", "not callable")  # type: ignore[arg-type]


class Unbound:
    def __init__(self, setting: str) -> None:
        self.setting = setting


def test_validation_lists_one_problem_once_with_every_entry_point_that_has_it() -> None:
    container = InjectQ()
    entries = [EntryPoint(name, (Unbound,)) for name in ("GET /a", "task b", "tool c")]
    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=entries)
    (problem,) = raised.value.errors
    assert problem.entry_points == ("GET /a", "task b", "tool c")
    assert "in: GET /a, task b, tool c" in str(raised.value)


def test_validation_names_the_entry_point_in_the_path_when_only_one_has_the_problem() -> None:
    container = InjectQ()
    with pytest.raises(ValidationError, match="task b -> Unbound -> str"):
        container.validate(entry_points=[EntryPoint("task b", (Unbound,))])


TenantId = NewType("TenantId", str)


@dataclass
class Repository:
    tenant: TenantId


@dataclass
class Service:
    repository: Repository


@dataclass
class Optionally:
    tenant: TenantId | None = None


def test_propagated_needs_follow_the_graph_and_skip_optional_arguments() -> None:
    container = InjectQ()
    container.propagate(TenantId)
    container.bind(Repository, Repository, scope="scoped")
    assert container.propagated_needs([Service]) == {TenantId}
    assert container.propagated_needs([TenantId]) == {TenantId}
    assert container.propagated_needs([Pool]) == frozenset()
    assert container.propagated_needs([Optionally]) == frozenset()


def test_export_with_required_values_names_the_sender_and_the_value() -> None:
    container = InjectQ()
    container.propagate(TenantId)
    with pytest.raises(PropagationError) as outside:
        container.export_context(required={TenantId}, receiver="task report")
    assert "task report needs TenantId" in str(outside.value)
    assert "code outside any unit of work" in str(outside.value)

    with (
        container.scope(label="GET /orders"),
        pytest.raises(PropagationError, match=r"sender \(GET /orders\)"),
    ):
        container.export_context(required={TenantId}, receiver="task report")
    with container.scope(context={TenantId: TenantId("t1")}):
        carried = container.export_context(required={TenantId}, receiver="task report")
    assert carried
    # a value the message carries anyway (a schedule's labels) satisfies it
    assert container.export_context(required={TenantId}, carried=carried) == {}


def test_an_unbound_propagated_key_is_a_context_value_validation_accepts() -> None:
    container = InjectQ()
    container.propagate(TenantId)
    container.bind(Repository, Repository, scope="scoped")
    entry = EntryPoint("task t", (Repository,), context=frozenset(), receives_propagated=True)
    assert container.validate(entry_points=[entry]) == []


class Session:
    pass


class Request:
    pass


def test_an_opener_opens_scopes_with_its_name_context_and_logger() -> None:
    container = InjectQ()
    container.bind(Session, Session, scope="scoped")
    opener = container.opener("request", context=(Request,), isolated=True)
    assert opener.keys == {Request}
    request = Request()
    with container.scope("outer"):
        unit = opener({Request: request}, "GET /orders")
        assert unit.parent is not container.current_scope  # isolated: a child of the container
    assert unit.name == "request"
    assert unit.label == "GET /orders"
    with unit:
        assert container.get(Request) is request
        assert container.get(Session) is container.get(Session)


def test_an_opener_checks_its_name_and_declares_its_keys_once() -> None:
    container = InjectQ()
    with pytest.raises(injectq.BindingError):
        container.opener("")
    container.bind(Session, Session, scope="scoped")
    with pytest.raises(injectq.BindingError):
        container.opener("request", context=(Session,))  # bound: cannot be a context value


async def test_finish_closes_now_without_async_finalizers_and_hands_back_the_async_close(
    journal: Journal,
) -> None:
    container = InjectQ()

    def sync_session() -> Iterator[Session]:
        yield Session()
        journal.add("sync closed")

    async def pool() -> AsyncIterator[Pool]:
        yield Pool()
        journal.add("async closed")

    container.bind_factory(Session, sync_session, scope="scoped")
    container.bind_factory(Pool, pool, scope="scoped")
    unit = container.scope().enter()
    unit.get(Session)
    assert unit.finish() is None
    assert journal.events == [["sync closed"]]

    unit = container.scope().enter()
    await unit.aget(Pool)
    pending = unit.finish()
    assert pending is not None
    assert journal.events == [["sync closed"]]
    await pending
    assert journal.events == [["sync closed"], ["async closed"]]


async def test_inject_resolves_now_or_hands_back_what_to_await() -> None:
    container = InjectQ()

    async def pool() -> Pool:
        return Pool()

    container.bind(Session, Session, scope="scoped")
    sync_injector = container.injector([*injectq.read_parameters(_takes_session, "f")])
    values: dict[str, object] = {}
    with container.scope():
        assert sync_injector.inject(values) is None
    assert isinstance(values["session"], Session)

    container.bind_factory(Pool, pool)
    async_injector = container.injector([*injectq.read_parameters(_takes_pool, "g")])
    values = {}
    pending = async_injector.inject(values)
    assert pending is not None
    await pending
    assert isinstance(values["pool"], Pool)


def _takes_session(session: Session) -> None: ...


def _takes_pool(pool: Pool) -> None: ...


class Made:
    count = 0

    def __init__(self, name: str) -> None:
        Made.count += 1
        self.name = name


def test_a_deferred_context_value_is_made_once_when_first_injected_and_never_otherwise() -> None:
    container = InjectQ()
    opener = container.opener("request", context=(Made,))
    Made.count = 0
    with opener({Made: injectq.Deferred(Made, "lazy")}):
        pass
    assert Made.count == 0  # nothing asked for it
    with opener({Made: injectq.Deferred(Made, "lazy")}) as unit:
        first = container.get(Made)
        assert first.name == "lazy"
        assert container.get(Made) is first
        assert unit.get(Made) is first
        with container.scope():  # a nested scope sees the outer one's value
            assert container.get(Made) is first
    assert Made.count == 1


def test_a_parameter_of_a_key_is_what_inject_of_that_key_reads_as() -> None:
    def function(pool: Inject[Pool | None]) -> None: ...

    (read,) = injectq.marked_parameters(function, "f")
    made = injectq.InjectedParameter.of_key("pool", Pool, optional=True)
    assert (made.key, made.optional, made.marked, made.has_default) == (Pool, True, True, False)
    assert (read.key, read.optional) == (made.key, made.optional)
    assert injectq.unwrap_optional(Pool | None) == (Pool, True)
    assert injectq.unwrap_optional(Pool) == (Pool, False)


async def test_aget_optional_is_none_unless_something_provides_the_key() -> None:
    class Protocolish(Protocol):
        def ping(self) -> None: ...

    container = InjectQ()
    assert await container.aget_optional(Protocolish) is None  # not autowirable, unbound
    assert isinstance(await container.aget_optional(Pool), Pool)  # autowirable
    container.bind(Session, Session, scope="scoped")
    async with container.scope():
        assert isinstance(await container.aget_optional(Session), Session)
    with pytest.raises(injectq.MissingBindingError) as raised:
        await container.aget_optional(Unbound)  # provided, but its own dependency is not
    assert raised.value.path[:1] == ("Unbound",)
