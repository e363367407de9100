"""Lifetimes: singleton / scoped / transient, and which declaration wins."""

from typing import Protocol

import pytest

from injectq import InjectQ, MissingBindingError, ScopeError, scoped, singleton, transient


class Plain:
    pass


@singleton
class MarkedSingleton:
    pass


@scoped
class MarkedScoped:
    pass


@scoped()
class MarkedScopedWithParens:
    pass


@transient
class MarkedTransient:
    pass


class Product:
    pass


# --- classes ---------------------------------------------------------------------------


def test_bound_class_without_mark_or_scope_is_a_singleton(container: InjectQ) -> None:
    container.bind(Plain, Plain)

    assert container.get(Plain) is container.get(Plain)


def test_bound_class_uses_its_transient_mark_when_no_scope_is_given(container: InjectQ) -> None:
    container.bind(MarkedTransient, MarkedTransient)

    assert container.get(MarkedTransient) is not container.get(MarkedTransient)


def test_bound_class_uses_its_scoped_mark_when_no_scope_is_given(container: InjectQ) -> None:
    container.bind(MarkedScoped, MarkedScoped)

    with container.scope():
        first = container.get(MarkedScoped)
        assert container.get(MarkedScoped) is first
    with container.scope():
        assert container.get(MarkedScoped) is not first


def test_scoped_mark_with_parentheses_means_the_same_as_without(container: InjectQ) -> None:
    container.bind(MarkedScopedWithParens, MarkedScopedWithParens)

    with container.scope():
        first = container.get(MarkedScopedWithParens)
        assert container.get(MarkedScopedWithParens) is first
    with container.scope():
        assert container.get(MarkedScopedWithParens) is not first
    with pytest.raises(ScopeError):
        container.get(MarkedScopedWithParens)


def test_explicit_transient_scope_beats_a_singleton_mark(container: InjectQ) -> None:
    container.bind(MarkedSingleton, MarkedSingleton, scope="transient")

    assert container.get(MarkedSingleton) is not container.get(MarkedSingleton)


def test_explicit_singleton_scope_beats_a_transient_mark(container: InjectQ) -> None:
    container.bind(MarkedTransient, MarkedTransient, scope="singleton")

    assert container.get(MarkedTransient) is container.get(MarkedTransient)


def test_explicit_singleton_scope_beats_a_scoped_mark(container: InjectQ) -> None:
    container.bind(MarkedScoped, MarkedScoped, scope="singleton")

    outside = container.get(MarkedScoped)
    with container.scope():
        assert container.get(MarkedScoped) is outside


def test_explicit_scoped_scope_beats_a_singleton_mark(container: InjectQ) -> None:
    container.bind(MarkedSingleton, MarkedSingleton, scope="scoped")

    with container.scope():
        first = container.get(MarkedSingleton)
        assert container.get(MarkedSingleton) is first
    with container.scope():
        assert container.get(MarkedSingleton) is not first


# --- factories -------------------------------------------------------------------------


def test_factory_without_mark_or_scope_is_called_on_every_resolve(container: InjectQ) -> None:
    calls: list[Product] = []

    def make() -> Product:
        calls.append(Product())
        return calls[-1]

    container.bind_factory(Product, make)

    first = container.get(Product)
    second = container.get(Product)

    assert first is not second
    assert len(calls) == 2


def test_factory_marked_singleton_is_called_once(container: InjectQ) -> None:
    calls: list[Product] = []

    @singleton
    def make() -> Product:
        calls.append(Product())
        return calls[-1]

    container.bind_factory(Product, make)

    assert container.get(Product) is container.get(Product)
    assert len(calls) == 1


def test_factory_marked_scoped_is_called_once_per_scope(container: InjectQ) -> None:
    calls: list[Product] = []

    @scoped
    def make() -> Product:
        calls.append(Product())
        return calls[-1]

    container.bind_factory(Product, make)

    with container.scope():
        assert container.get(Product) is container.get(Product)
    with container.scope():
        container.get(Product)
    assert len(calls) == 2


def test_explicit_scope_beats_a_factory_mark(container: InjectQ) -> None:
    @singleton
    def make() -> Product:
        return Product()

    container.bind_factory(Product, make, scope="transient")

    assert container.get(Product) is not container.get(Product)


def test_explicit_singleton_scope_on_a_factory_calls_it_once(container: InjectQ) -> None:
    calls: list[Product] = []

    def make() -> Product:
        calls.append(Product())
        return calls[-1]

    container.bind_factory(Product, make, scope="singleton")

    assert container.get(Product) is container.get(Product)
    assert len(calls) == 1


# --- identity rules inside scopes ------------------------------------------------------


def test_scoped_instance_is_shared_within_one_scope(container: InjectQ) -> None:
    container.bind(Plain, Plain, scope="scoped")

    with container.scope() as scope:
        first = container.get(Plain)
        assert container.get(Plain) is first
        assert container[Plain] is first
        assert scope.get(Plain) is first


def test_scoped_instance_differs_between_two_scopes(container: InjectQ) -> None:
    container.bind(Plain, Plain, scope="scoped")

    with container.scope():
        first = container.get(Plain)
    with container.scope():
        second = container.get(Plain)

    assert first is not second


def test_singleton_is_shared_across_scopes_and_outside_them(container: InjectQ) -> None:
    container.bind(Plain, Plain)

    outside = container.get(Plain)
    with container.scope():
        assert container.get(Plain) is outside
    with container.scope():
        assert container.get(Plain) is outside


def test_transient_is_new_on_every_resolve_inside_a_scope(container: InjectQ) -> None:
    container.bind(Plain, Plain, scope="transient")

    with container.scope():
        assert container.get(Plain) is not container.get(Plain)


# --- decorators are marks, not registrations -------------------------------------------


def test_lifetime_decorators_return_the_class_itself_usable_without_a_container() -> None:
    @singleton
    class Clock:
        def __init__(self, tick: int) -> None:
            self.tick = tick

    clock = Clock(3)

    assert isinstance(clock, Clock)
    assert clock.tick == 3
    assert Clock.__name__ == "Clock"


def test_decorators_register_nothing_globally_so_two_containers_are_independent() -> None:
    first_container = InjectQ()
    second_container = InjectQ()

    first = first_container.get(MarkedSingleton)
    second = second_container.get(MarkedSingleton)

    assert first is first_container.get(MarkedSingleton)
    assert second is second_container.get(MarkedSingleton)
    assert first is not second


def test_a_binding_in_one_container_is_invisible_to_another() -> None:
    class IZone(Protocol):
        def name(self) -> str: ...

    class Zone:
        def name(self) -> str:
            return "UTC"

    first_container = InjectQ()
    second_container = InjectQ()
    first_container.bind(IZone, Zone())

    assert first_container.get(IZone).name() == "UTC"
    with pytest.raises(MissingBindingError):
        second_container.get(IZone)
