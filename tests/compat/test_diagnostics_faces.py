"""injectq 0.5.0's `injectq.diagnostics`, as faces of this project's own `validate()`,
`graph()` and resolution: the validator lists what `validate()` finds, the visualizer draws
the graph `graph()` draws, and the profiler times the container's own `get` / `aget`."""

import json
from pathlib import Path

import pytest

import injectq
from injectq import InjectQ, ValidationWarning, scoped
from injectq.diagnostics import DependencyProfiler, DependencyValidator, DependencyVisualizer
from injectq.diagnostics.validation import (
    InvalidBindingError,
    MissingDependencyError,
    ValidationError,
    ValidationResult,
)
from injectq.diagnostics.visualization import VisualizationError


class Database:
    pass


class Repository:
    def __init__(self, database: Database) -> None:
        self.database = database


class Service:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository


class Missing:
    def __init__(self, name: str) -> None:
        self.name = name


class NeedsMissing:
    def __init__(self, missing: Missing) -> None:
        self.missing = missing


@scoped
class Session:
    pass


class CycleA:
    def __init__(self, b: "CycleB") -> None:
        self.b = b


class CycleB:
    def __init__(self, a: CycleA) -> None:
        self.a = a


def layered() -> InjectQ:
    container = InjectQ()
    container.bind(Database, Database)
    container.bind(Repository, Repository)
    container.bind(Service, Service)
    return container


def test_the_diagnostics_are_exported_from_injectq() -> None:
    assert injectq.DependencyValidator is DependencyValidator
    assert injectq.DependencyVisualizer is DependencyVisualizer
    assert injectq.DependencyProfiler is DependencyProfiler


# the validator


def test_a_sound_container_validates_without_errors() -> None:
    result = DependencyValidator(layered()).validate()

    assert result.is_valid
    assert not result.has_warnings
    assert "✅ Validation passed" in str(result)


def test_a_missing_binding_is_a_missing_dependency_entry_with_the_containers_path_and_fix() -> None:
    container = InjectQ()
    container.bind(NeedsMissing, NeedsMissing)

    result = DependencyValidator(container).validate()

    assert not result.is_valid
    (error,) = result.errors
    assert isinstance(error, MissingDependencyError)
    assert isinstance(error.__cause__, injectq.MissingBindingError)
    assert error.path == error.__cause__.path
    assert "NeedsMissing" in error.path[0]
    assert error.fix
    assert "❌ Validation failed" in str(result)


def test_a_cycle_is_a_validation_error_entry_and_a_closed_path() -> None:
    container = InjectQ()
    container.bind(CycleA, CycleA)
    container.bind(CycleB, CycleB)
    validator = DependencyValidator(container)

    result = validator.validate()

    assert result.errors
    assert all(isinstance(error, ValidationError) for error in result.errors)
    assert any(isinstance(e.__cause__, injectq.CircularDependencyError) for e in result.errors)
    cycles = validator.find_potential_cycles()
    assert cycles
    assert cycles[0][0] == cycles[0][-1]
    assert set(cycles[0]) == {CycleA, CycleB}


def test_an_autowirable_dependency_is_not_missing() -> None:
    container = InjectQ()
    container.bind(Service, Service)  # Repository and Database are autowired

    assert DependencyValidator(container).validate().is_valid


def test_the_containers_validation_warnings_are_result_warnings() -> None:
    container = InjectQ()
    container.bind(Session, Session())

    with pytest.warns(ValidationWarning):
        result = DependencyValidator(container).validate()

    assert result.is_valid
    assert result.has_warnings
    assert isinstance(result.warnings[0], ValidationWarning)


def test_entry_points_are_passed_to_validate() -> None:
    container = InjectQ()
    container.bind(Session, Session)
    entry = injectq.EntryPoint("job", (Session,), in_scope=False)

    result = DependencyValidator(container).validate(entry_points=[entry])

    assert not result.is_valid
    assert isinstance(result.errors[0].__cause__, injectq.ScopeError)


def test_a_validator_without_a_container_reports_one_error() -> None:
    result = DependencyValidator().validate()

    assert not result.is_valid
    assert len(result.errors) == 1


def test_the_validators_graph_and_chain_follow_the_containers_graph() -> None:
    container = layered()
    validator = DependencyValidator(container)

    assert validator.get_dependency_graph()[Service] == {Repository}
    assert validator.get_dependency_chain(Service) == [Service, Repository, Database]

    container.bind_instance(Repository, Repository(Database()))
    assert validator.get_dependency_graph()[Repository] == set()  # read anew on each call


def test_a_result_entry_is_an_injectq_error_that_says_only_its_message() -> None:
    error = InvalidBindingError("bad binding")

    assert isinstance(error, injectq.InjectQError)
    assert str(error) == "bad binding"
    assert not ValidationResult(errors=[error]).is_valid


# the visualizer


def test_to_dot_draws_each_key_with_how_it_is_made_and_its_lifetime() -> None:
    container = layered()
    container.bind_instance("dsn", "sqlite://")

    dot = DependencyVisualizer(container).to_dot()

    assert dot.startswith("digraph Dependencies {")
    assert '"Service\\n(class)\\n[singleton]"' in dot
    assert "(instance)\\n[singleton]" in dot  # the "dsn" string
    assert dot.count("->") == 2


def test_to_dot_can_cluster_by_lifetime_and_leave_out_labels() -> None:
    container = layered()
    container.bind(Session, Session)
    visualizer = DependencyVisualizer(container)

    clustered = visualizer.to_dot(cluster_by_scope=True)
    plain = visualizer.to_dot(include_scopes=False, include_types=False)

    assert clustered.count("subgraph cluster_") == 2
    assert 'label="scoped"' in clustered
    assert "[singleton]" not in plain
    assert "(class)" not in plain


def test_autowired_and_unbound_keys_are_drawn_as_such() -> None:
    container = InjectQ()
    container.bind(Service, Service)
    container.bind(NeedsMissing, NeedsMissing)

    graph = DependencyVisualizer(container).to_json()

    kinds = {node["id"]: (node["type"], node["scope"]) for node in graph["nodes"]}
    assert kinds["Repository"] == ("autowired", "transient")
    assert kinds["Missing"][1] == "transient"
    assert graph["metadata"]["total_services"] == len(graph["nodes"])


def test_to_json_and_to_ascii_list_the_edges_by_name() -> None:
    visualizer = DependencyVisualizer(layered())

    graph = visualizer.to_json()
    text = visualizer.to_ascii()

    assert {"from": "Service", "to": "Repository", "type": "dependency"} in graph["edges"]
    assert "Service (class, singleton)" in text
    assert "  └─ Repository" in text
    assert "No dependencies" in text  # Database


def test_save_graph_writes_each_format_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    visualizer = DependencyVisualizer(layered())

    for format in ("dot", "json", "ascii", "mermaid"):
        visualizer.save_graph(str(tmp_path / f"graph.{format}"), format=format)

    assert json.loads((tmp_path / "graph.json").read_text())["edges"]
    assert (tmp_path / "graph.mermaid").read_text().startswith("flowchart LR")
    with pytest.raises(VisualizationError):
        visualizer.save_graph(str(tmp_path / "graph.png"), format="png")


def test_statistics_cycles_and_paths_come_from_the_containers_graph() -> None:
    container = layered()
    container.bind(CycleA, CycleA)
    container.bind(CycleB, CycleB)
    visualizer = DependencyVisualizer(container)

    statistics = visualizer.get_statistics()

    assert statistics["total_services"] == 5
    assert statistics["services_by_scope"] == {"singleton": 5}
    assert [set(cycle) for cycle in visualizer.find_cycles()] == [{CycleA, CycleB}]
    assert visualizer.get_dependency_path(Service, Database) == [Service, Repository, Database]
    assert visualizer.get_dependency_path(Database, Service) is None


def test_a_visualizer_without_a_container_cannot_draw() -> None:
    visualizer = DependencyVisualizer()

    with pytest.raises(VisualizationError):
        visualizer.to_dot()
    assert visualizer.get_statistics() == {}


def test_the_container_gives_its_visualizer() -> None:
    container = layered()

    assert container.visualize_dependencies().container is container


# the profiler


def test_marked_resolutions_are_timed_and_summed_per_key() -> None:
    profiler = DependencyProfiler()
    with profiler:
        for hit in (False, True, True):
            with profiler.profile_resolution(Service, cache_hit=hit):
                pass

    totals = profiler.get_aggregated_metrics()[Service]
    assert totals.total_resolutions == 3
    assert totals.cache_hits == 2
    assert profiler.get_cache_performance()["hits"] == 2
    assert "Total resolutions: 3" in profiler.report(detailed=True)


def test_nested_marks_each_get_their_own_start() -> None:
    profiler = DependencyProfiler(enable_stack_tracing=True)
    profiler.start()
    profiler.begin_resolution(Service)
    profiler.begin_resolution(Repository)
    profiler.end_resolution(Repository)
    profiler.end_resolution(Service)

    inner, outer = profiler.get_metrics()
    assert (inner.service_type, inner.stack_depth) == (Repository, 1)
    assert (outer.service_type, outer.stack_depth) == (Service, 0)
    assert outer.resolution_time >= inner.resolution_time


def test_nothing_is_recorded_outside_start_and_stop() -> None:
    profiler = DependencyProfiler()
    profiler.begin_resolution(Service)
    profiler.end_resolution(Service)

    assert profiler.get_metrics() == []
    assert profiler.report() == "No profiling data available."


def test_a_profiler_given_a_container_times_its_get_and_puts_it_back() -> None:
    container = layered()
    original = container.get

    with DependencyProfiler(container=container) as profiler:
        first = container.get(Service)
        again = container[Service]

    assert container.get is original
    assert first is again
    assert [m.cache_hit for m in profiler.get_metrics()] == [False, True]
    assert container.get(Service) is first
    assert len(profiler.get_metrics()) == 2  # stopped: not timed any more


async def test_a_profiler_given_a_container_times_its_aget() -> None:
    container = layered()

    with DependencyProfiler(container=container) as profiler:
        await container.aget(Repository)
        await container.aget(Repository)

    (totals,) = profiler.get_most_resolved()
    assert (totals.service_type, totals.total_resolutions) == (Repository, 2)
    assert totals.cache_hits == 1


def test_a_failed_resolution_is_timed_and_still_raised() -> None:
    container = InjectQ()

    profiler = DependencyProfiler(container=container)
    with profiler, pytest.raises(injectq.MissingBindingError):
        container.get(Missing)

    assert [m.service_type for m in profiler.get_metrics()] == [Missing]


def test_profile_method_times_each_call_under_the_functions_name() -> None:
    profiler = DependencyProfiler()
    profiler.start()

    @profiler.profile_method
    def work(value: int) -> int:
        return value * 2

    assert work(2) == 4
    assert work.__name__ == "work"
    assert profiler.get_metrics()[0].service_type.endswith("work")


def test_the_profilers_exports_hold_every_resolution(tmp_path: Path) -> None:
    profiler = DependencyProfiler()
    with profiler, profiler.profile_resolution("config"):
        pass

    profiler.export_csv(str(tmp_path / "m.csv"))
    profiler.export_json(str(tmp_path / "m.json"))

    assert (tmp_path / "m.csv").read_text().splitlines()[1].startswith("config,")
    exported = json.loads((tmp_path / "m.json").read_text())
    assert exported["aggregated_metrics"]["config"]["total_resolutions"] == 1
    assert len(exported["detailed_metrics"]) == 1
