"""`T | None`: None when nothing is bound for T and T cannot be autowired, alike in
constructors, factories and `@inject` functions, and `validate()` agrees with `get()`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import pytest

from injectq import EntryPoint, Inject, InjectQ, inject


class IMetrics(Protocol):
    def count(self, name: str) -> None: ...


class Metrics:
    def count(self, name: str) -> None:
        pass


class Clock:
    """Concrete: autowirable, so `Clock | None` gets one."""


class Report:
    def __init__(self, metrics: IMetrics | None, clock: Clock | None) -> None:
        self.metrics = metrics
        self.clock = clock


def build_report(metrics: IMetrics | None, clock: Clock | None) -> Report:
    return Report(metrics, clock)


Getter = Callable[[InjectQ], Report]


def by_constructor(container: InjectQ) -> Report:
    return container.get(Report)


def by_factory(container: InjectQ) -> Report:
    container.bind_factory(Report, build_report)
    return container.get(Report)


def by_inject(container: InjectQ) -> Report:
    @inject(container=container)
    def handler(metrics: IMetrics | None, clock: Clock | None) -> Report:
        return Report(metrics, clock)

    return handler()


def by_marked_inject(container: InjectQ) -> Report:
    @inject(container=container)
    def handler(
        metrics: Inject[IMetrics | None] = None, clock: Inject[Clock | None] = None
    ) -> Report:
        return Report(metrics, clock)

    return handler()


WAYS = [by_constructor, by_factory, by_inject, by_marked_inject]


@pytest.mark.parametrize("way", WAYS, ids=lambda way: way.__name__)
def test_an_optional_unbound_protocol_is_none_and_an_autowirable_class_is_built(
    container: InjectQ, way: Getter
) -> None:
    container.validate()  # agrees: nothing is missing
    report = way(container)
    assert report.metrics is None
    assert isinstance(report.clock, Clock)


@pytest.mark.parametrize("way", WAYS, ids=lambda way: way.__name__)
def test_an_optional_bound_key_is_injected(container: InjectQ, way: Getter) -> None:
    container.bind(IMetrics, Metrics)
    report = way(container)
    assert isinstance(report.metrics, Metrics)


async def test_async_inject_treats_optional_parameters_alike(container: InjectQ) -> None:
    @inject(container=container)
    async def handler(metrics: IMetrics | None, clock: Clock | None) -> Report:
        return Report(metrics, clock)

    report = await handler()
    assert report.metrics is None
    assert isinstance(report.clock, Clock)


def test_an_optional_parameter_with_a_default_keeps_it_when_nothing_is_bound(
    container: InjectQ,
) -> None:
    fallback = Metrics()

    class Job:
        def __init__(self, metrics: IMetrics | None = fallback) -> None:
            self.metrics = metrics

    assert container.get(Job).metrics is fallback
    container.bind(IMetrics, Metrics)
    assert container.get(Job).metrics is not fallback


def test_validate_agrees_with_get_for_an_optional_entry_point(container: InjectQ) -> None:
    @inject(container=container)
    def handler(metrics: IMetrics | None) -> IMetrics | None:
        return metrics

    container.validate(entry_points=[handler])
    assert handler() is None


class Request:
    """A scope context value that only some runtimes supply."""


class Tenant:
    def __init__(self, request: Request | None) -> None:
        self.from_request = request is not None


def test_an_optional_context_value_is_none_where_the_runtime_does_not_supply_it(
    container: InjectQ,
) -> None:
    container.declare_context(Request)
    container.bind(Tenant, Tenant, scope="scoped")
    task = EntryPoint("task report", (Tenant,), context=frozenset(), scopes=frozenset())
    container.validate(entry_points=[task])  # no "Request is not supplied" for an optional one

    with container.scope():
        assert container.get(Tenant).from_request is False
    with container.scope(context={Request: Request()}):
        assert container.get(Tenant).from_request is True


def test_a_required_context_value_is_still_reported_by_validation(container: InjectQ) -> None:
    class NeedsRequest:
        def __init__(self, request: Request) -> None:
            self.request = request

    container.declare_context(Request)
    task = EntryPoint("task report", (NeedsRequest,), context=frozenset(), scopes=frozenset())
    with pytest.raises(Exception, match="Request"):
        container.validate(entry_points=[task])
