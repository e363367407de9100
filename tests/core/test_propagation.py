"""Propagated context: declared values leave one unit of work as plain data and enter another."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NewType

import pytest

from injectq import BindingError, InjectQ, PropagationError

Tenant = NewType("Tenant", str)


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    tenant: str
    attempt: int = 0


@dataclass
class Opaque:
    handle: object


class Connection:
    pass


LABEL = "injectq_ctx:RequestContext"


@pytest.fixture
def container() -> InjectQ:
    container = InjectQ()
    container.propagate(RequestContext)
    container.propagate(Tenant, name="tenant")
    return container


def test_declared_values_of_the_active_scope_are_exported_as_json_text(
    container: InjectQ,
) -> None:
    context = RequestContext("c-1", "acme")
    with container.scope(context={RequestContext: context, Tenant: Tenant("acme")}):
        carried = container.export_context()
    assert json.loads(carried[LABEL]) == {"correlation_id": "c-1", "tenant": "acme", "attempt": 0}
    assert carried["injectq_ctx:tenant"] == '"acme"'


def test_nothing_is_exported_outside_a_scope_or_for_keys_the_scope_lacks(
    container: InjectQ,
) -> None:
    assert container.export_context() == {}
    with container.scope():
        assert container.export_context() == {}


def test_a_scoped_factory_value_is_exported_and_seeds_the_receivers_scope(
    container: InjectQ,
) -> None:
    made: list[str] = []

    def from_headers() -> RequestContext:
        made.append("sender")
        return RequestContext("c-2", "globex")

    container.bind_factory(RequestContext, from_headers, scope="scoped")
    with container.scope():
        carried = container.export_context()
    values = container.import_context(carried)
    with container.scope("task", isolated=True, context=values):
        assert container.get(RequestContext) == RequestContext("c-2", "globex")
    assert made == ["sender"]  # the receiver used the carried value, not its own factory


def test_import_ignores_entries_that_are_not_propagated_values(container: InjectQ) -> None:
    values = container.import_context({"retry": "3", "injectq_ctx:unknown": "{}"})
    assert values == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"correlation_id": 1, "tenant": "x"}', "should be"),
        ('{"correlation_id": "c", "tenant": "x", "is_admin": true}', "no field"),
        ("not json", "not valid JSON"),
        ('{"correlation_id": "' + "x" * 5000 + '", "tenant": "x"}', "limit"),
        (42, "not text"),
        ('{"correlation_id": {"$ne": null}, "tenant": "x"}', "should be"),
    ],
)
def test_a_malformed_or_forged_value_is_rejected_with_a_clear_error(
    container: InjectQ, text: object, problem: str
) -> None:
    with pytest.raises(PropagationError, match=problem) as raised:
        container.import_context({LABEL: text})
    assert "RequestContext" in str(raised.value)


def test_a_value_over_its_size_limit_cannot_be_sent(container: InjectQ) -> None:
    huge = RequestContext("x" * 5000, "acme")
    with (
        container.scope(context={RequestContext: huge}),
        pytest.raises(PropagationError, match="limit is 4096"),
    ):
        container.export_context()


def test_only_plain_data_can_be_declared_for_propagation() -> None:
    container = InjectQ()
    with pytest.raises(PropagationError, match="handle"):
        container.propagate(Opaque)
    with pytest.raises(PropagationError, match="cannot be propagated"):
        container.propagate(Connection)


def test_two_keys_cannot_travel_under_one_name(container: InjectQ) -> None:
    Other = NewType("Other", str)
    with pytest.raises(PropagationError, match="both travel"):
        container.propagate(Other, name="tenant")


def test_a_scope_cannot_carry_its_own_value_of_a_singleton(container: InjectQ) -> None:
    container.bind(Connection, Connection)
    with pytest.raises(BindingError, match="singleton"):
        container.scope(context={Connection: Connection()})


@pytest.mark.parametrize("lifetime", ["request", "singleton"])
def test_a_propagated_key_must_be_bound_scoped_whichever_comes_first(lifetime: str) -> None:
    # the receiver (a task) holds the value in its own scope, which has no "request" parent
    def from_headers() -> RequestContext:
        return RequestContext("c-1", "acme")

    bound_first = InjectQ()
    bound_first.bind_factory(RequestContext, from_headers, scope=lifetime)
    with pytest.raises(PropagationError, match=f"cannot be bound as {lifetime}"):
        bound_first.propagate(RequestContext)

    propagated_first = InjectQ()
    propagated_first.propagate(RequestContext)
    with pytest.raises(PropagationError, match="scope='scoped'"):
        propagated_first.bind_factory(RequestContext, from_headers, scope=lifetime)
    propagated_first.bind_factory(RequestContext, from_headers, scope="scoped")
    carried = {LABEL: json.dumps({"correlation_id": "c-2", "tenant": "t", "attempt": 0})}
    with propagated_first.scope("task", context=propagated_first.import_context(carried)):
        assert propagated_first.get(RequestContext).correlation_id == "c-2"


# nesting: a decoder recurses once per level ------------------------------------------------


@dataclass(frozen=True)
class Payload:
    items: Any


Score = NewType("Score", float)


def nested(levels: int) -> Any:
    """`levels` lists, each inside the one before: [[[...]]]."""
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_a_value_nested_a_thousand_levels_deep_is_a_propagation_error(container: InjectQ) -> None:
    deep = "[" * 1000 + "]" * 1000  # 2000 bytes: within the size limit
    for label in (LABEL, "injectq_ctx:tenant"):
        with pytest.raises(PropagationError, match="more than 32 levels deep") as raised:
            container.import_context({label: deep})
        assert raised.value.fix
    with pytest.raises(PropagationError, match="more than 32 levels deep"):
        container.import_context({LABEL: '{"correlation_id": ' + deep + ', "tenant": "x"}'})


def test_nesting_deeper_than_the_decoder_recurses_is_a_propagation_error_too() -> None:
    container = InjectQ()
    container.propagate(Payload, max_bytes=1_000_000)
    deep = '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(PropagationError, match="more than 32 levels deep"):
        container.import_context({"injectq_ctx:Payload": deep})


def test_32_levels_of_nesting_travel_and_33_do_not() -> None:
    container = InjectQ()
    container.propagate(Payload)
    at_limit = Payload(nested(31))  # the dataclass's own object is the 32nd level
    with container.scope(context={Payload: at_limit}):
        carried = container.export_context()
    assert container.import_context(carried) == {Payload: at_limit}

    over = Payload(nested(32))
    with (
        container.scope(context={Payload: over}),
        pytest.raises(PropagationError, match=r"Payload\.items(\[0\]){31} nests lists and dicts"),
    ):
        container.export_context()
    text = json.dumps({"items": nested(32)})
    with pytest.raises(PropagationError, match="more than 32 levels deep"):
        container.import_context({"injectq_ctx:Payload": text})


def test_a_value_too_deep_or_containing_itself_cannot_be_sent() -> None:
    container = InjectQ()
    container.propagate(Payload)
    looped: list[Any] = []
    looped.append(looped)
    for items in (nested(1000), looped):
        with (
            container.scope(context={Payload: Payload(items)}),
            pytest.raises(PropagationError, match="more than 32 levels deep") as raised,
        ):
            container.export_context()
        assert "nested at most 32 levels deep" in raised.value.fix


def test_infinity_is_not_plain_data_in_either_direction() -> None:
    container = InjectQ()
    container.propagate(Score, name="score")
    with (
        container.scope(context={Score: Score(float("inf"))}),
        pytest.raises(PropagationError, match="score is inf, which JSON cannot carry"),
    ):
        container.export_context()
    for text in ("Infinity", "-Infinity", "NaN"):
        with pytest.raises(PropagationError, match="JSON cannot carry"):
            container.import_context({"injectq_ctx:score": text})


def test_an_int_too_long_to_print_cannot_be_sent() -> None:
    container = InjectQ()
    container.propagate(Payload, max_bytes=1_000_000)
    with (
        container.scope(context={Payload: Payload(10**5000)}),
        pytest.raises(PropagationError, match="not plain data"),
    ):
        container.export_context()
