"""`container.graph()`: the dependency graph as Mermaid or DOT text, from analysis alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from injectq import EntryPoint, InjectQ, ValidationError, scoped, singleton
from tests.core import graph_app
from tests.core.graph_app import Clock, CurrentUser, Database, Request

CLASSES = {
    "entry": "    classDef entry fill:#eeeeee,stroke:#424242,color:#000",
    "singleton": "    classDef singleton fill:#e3f2fd,stroke:#1565c0,color:#000",
    "scoped": "    classDef scoped fill:#e8f5e9,stroke:#2e7d32,color:#000",
    "transient": "    classDef transient fill:#fff8e1,stroke:#f9a825,color:#000",
    "context": "    classDef context fill:#f3e5f5,stroke:#6a1b9a,color:#000",
    "problem": ("    classDef problem fill:#ffebee,stroke:#c62828,color:#000,stroke-dasharray:5 5"),
}


def _mermaid(*lines: str, classes: tuple[str, ...]) -> str:
    return "\n".join(["flowchart LR", *lines, *(CLASSES[c] for c in classes)]) + "\n"


def test_mermaid_shows_every_bound_key_with_its_lifetime_and_its_dependencies() -> None:
    assert graph_app.container.graph() == _mermaid(
        '    n0["Settings<br/>instance"]:::singleton',
        '    n1["Database<br/>singleton"]:::singleton',
        '    n2["UnitOfWork<br/>scoped"]:::scoped',
        '    n3["CurrentUser<br/>scoped (request)"]:::scoped',
        '    n4["Clock<br/>transient"]:::transient',
        '    n5["OrderService<br/>scoped"]:::scoped',
        '    n6["Request<br/>context value"]:::context',
        "    n1 --> n0",
        "    n2 --> n1",
        "    n3 --> n6",
        "    n5 --> n2",
        "    n5 --> n3",
        "    n5 --> n4",
        classes=("singleton", "scoped", "transient", "context"),
    )


def test_dot_shows_the_same_graph() -> None:
    assert graph_app.container.graph(format="dot") == (
        "digraph injectq {\n"
        "    rankdir=LR;\n"
        '    node [shape=box, style="rounded,filled", fontname="Helvetica"];\n'
        '    edge [fontname="Helvetica"];\n'
        '    n0 [label="Settings\\ninstance", fillcolor="#e3f2fd", color="#1565c0"];\n'
        '    n1 [label="Database\\nsingleton", fillcolor="#e3f2fd", color="#1565c0"];\n'
        '    n2 [label="UnitOfWork\\nscoped", fillcolor="#e8f5e9", color="#2e7d32"];\n'
        '    n3 [label="CurrentUser\\nscoped (request)", fillcolor="#e8f5e9", color="#2e7d32"];\n'
        '    n4 [label="Clock\\ntransient", fillcolor="#fff8e1", color="#f9a825"];\n'
        '    n5 [label="OrderService\\nscoped", fillcolor="#e8f5e9", color="#2e7d32"];\n'
        '    n6 [label="Request\\ncontext value", fillcolor="#f3e5f5", color="#6a1b9a"];\n'
        "    n1 -> n0;\n"
        "    n2 -> n1;\n"
        "    n3 -> n6;\n"
        "    n5 -> n2;\n"
        "    n5 -> n3;\n"
        "    n5 -> n4;\n"
        "}\n"
    )


def test_entry_points_are_nodes_and_only_what_they_reach_is_drawn() -> None:
    text = graph_app.container.graph(entry_points=[graph_app.close_day])

    assert text == _mermaid(
        '    e0(["task close_day"]):::entry',
        '    n0["UnitOfWork<br/>scoped"]:::scoped',
        '    n1["Database<br/>singleton"]:::singleton',
        '    n2["Settings<br/>instance"]:::singleton',
        "    e0 --> n0",
        "    n0 --> n1",
        "    n1 --> n2",
        classes=("entry", "singleton", "scoped"),
    )


def test_an_inject_function_is_an_entry_point_and_shared_keys_are_drawn_once() -> None:
    text = graph_app.container.graph(entry_points=[graph_app.place_order, graph_app.close_day])

    assert '    e0(["place_order()"]):::entry' in text
    assert "    e0 --> n0\n    e1 --> n1\n" in text
    assert text.count("UnitOfWork<br/>scoped") == 1
    assert "Settings" in text


def test_a_context_value_the_entry_points_runtime_lacks_is_marked() -> None:
    text = graph_app.container.graph(entry_points=[graph_app.send_receipt], format="dot")

    assert '    n1 [label="Request\\ncontext value"' in text
    assert "    e0 -> n0;\n" in text
    assert (
        '    e0 -> n1 [label="not supplied", color="#c62828", fontcolor="#c62828", style=dashed];\n'
    ) in text
    supplied = EntryPoint("GET /receipt", (CurrentUser,), context=frozenset({Request}))
    assert "not supplied" not in graph_app.container.graph(entry_points=[supplied])


@dataclass(frozen=True)
class Correlation:
    id: str


def correlation_of(request: Request) -> Correlation:
    return Correlation("from the request")


def test_a_propagated_value_arrives_with_a_task_so_its_factory_is_not_looked_into() -> None:
    container = InjectQ()
    container.declare_context(Request)
    container.bind_factory(Correlation, correlation_of, scope="scoped")
    container.propagate(Correlation)
    task = EntryPoint("task t", (Correlation,), context=frozenset(), receives_propagated=True)
    job = EntryPoint("job j", (Correlation,), context=frozenset())

    text = container.graph(entry_points=[task, job])

    assert "    e0 --> n0\n    e1 --> n0\n" in text
    assert '    e1 -.->|"not supplied"| n1\n' in text
    assert '    e0 -.->|"not supplied"|' not in text


def test_problems_are_drawn_marked_where_validate_raises() -> None:
    with pytest.raises(ValidationError):
        graph_app.broken.validate()

    text = graph_app.broken.graph()

    assert '    n3["Reports<br/>singleton"]:::singleton' in text
    assert '    n4["Mailer<br/>unbound"]:::problem' in text
    assert '    n3 -.->|"captive"| n0' in text
    assert "    linkStyle 2 stroke:#c62828,color:#c62828\n" in text
    assert CLASSES["problem"] in text


class First:
    pass


class Second:
    def __init__(self, first: First) -> None:
        self.first = first


class Unreadable:
    def __init__(self, missing: NotDefinedAnywhere) -> None:  # noqa: F821
        self.missing = missing


def test_a_cycle_and_unreadable_type_hints_are_marked_too() -> None:
    def make_first(second: Second) -> First:
        raise AssertionError("drawing builds nothing")

    container = InjectQ()
    container.bind_factory(First, make_first)
    container.bind(Second, Second, scope="transient")
    container.bind(Unreadable, Unreadable)

    text = container.graph(format="dot")

    assert '    n0 [label="First\\ntransient"' in text
    assert '    n0 -> n1 [label="cycle"' in text
    assert '    n1 -> n0 [label="cycle"' in text
    assert '    n2 [label="Unreadable\\ncannot read the type hints of Unreadable' in text
    assert 'style="rounded,filled,dashed"];' in text


@scoped
class Session:
    pass


class Helper:
    def __init__(self, session: Session) -> None:
        self.session = session


@singleton
class Cache:
    def __init__(self, helper: Helper) -> None:
        self.helper = helper


def test_a_singleton_that_reaches_a_scoped_service_through_a_transient_is_captive() -> None:
    container = InjectQ()
    container.bind(Cache, Cache)

    text = container.graph()

    assert '    n1["Helper<br/>transient"]:::transient' in text
    assert '    n0 -.->|"captive"| n1' in text
    assert '    n2["Session<br/>scoped"]:::scoped' in text
    assert "    n1 --> n2" in text


def test_labels_escape_what_mermaid_and_dot_would_read_as_markup() -> None:
    container = InjectQ()
    container.bind('db "url" <#1>', "sqlite://")
    container.bind_factory(list[int], lambda: [1], scope="transient")

    mermaid = container.graph()
    dot = container.graph(format="dot")

    assert "\"'db #quot;url#quot; #lt;#35;1#gt;'<br/>instance\"" in mermaid
    assert 'n1["list[int]<br/>transient"]' in mermaid
    assert 'label="\'db \\"url\\" <#1>\'\\ninstance"' in dot


def test_drawing_builds_nothing_and_needs_no_scope() -> None:
    made: list[str] = []

    def make_database() -> Database:
        made.append("database")
        return Database(graph_app.Settings())

    container = InjectQ()
    container.bind_factory(Database, make_database, scope="request")

    assert "Database<br/>scoped (request)" in container.graph()
    assert made == []


def test_an_unknown_format_or_a_non_entry_point_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown graph format 'svg'"):
        graph_app.container.graph(format="svg")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not an entry point"):
        graph_app.container.graph(entry_points=[Clock])


def test_an_empty_container_draws_an_empty_flowchart() -> None:
    assert InjectQ().graph() == "flowchart LR\n"
    assert InjectQ().graph(format="dot").endswith('edge [fontname="Helvetica"];\n}\n')
