"""injectq 0.5.0's container API, as faces of this project's container."""

from __future__ import annotations

import typing
from abc import ABC, abstractmethod

import pytest

from injectq import (
    Binder,
    BindingError,
    Inject,
    InjectQ,
    InjectQError,
    MissingBindingError,
    Module,
    ScopeError,
    ScopeType,
    inject,
)
from injectq.core import ContainerContext, ModuleBinder
from injectq.core.container import InjectQ as CoreInjectQ
from injectq.core.context import ContainerContext as CoreContainerContext


class Service:
    pass


class Base:
    pass


class Impl(Base):
    pass


class Repository:
    def __init__(self, service: Service) -> None:
        self.service = service


class Shape(ABC):
    @abstractmethod
    def area(self) -> float: ...


def test_the_core_import_paths_are_this_projects_classes() -> None:
    assert CoreInjectQ is InjectQ
    assert CoreContainerContext is ContainerContext
    assert ModuleBinder is Binder


def test_bind_with_a_class_alone_binds_it_to_itself() -> None:
    container = InjectQ()
    container.bind(Service)
    assert container.get(Service) is container.get(Service)  # a singleton, as bind() makes
    assert Service in container


def test_none_is_bound_only_when_allowed() -> None:
    container = InjectQ()
    with pytest.raises(BindingError, match="Implementation cannot be None"):
        container.bind(Service, None)
    container.bind(Service, None, allow_none=True)
    assert container.get(Service) is None
    container[Base] = None
    assert container.get(Base) is None


def test_a_binder_binds_none_and_instances_as_the_container_does() -> None:
    class Settings(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind_instance("db_url", "sqlite://")
            binder.bind(Service, None, allow_none=True)
            binder[Base] = None

    container = InjectQ([Settings()])
    assert container.get("db_url") == "sqlite://"
    assert container.get(Service) is None
    assert container.get(Base) is None


def test_a_factory_that_says_it_may_return_none_provides_none() -> None:
    calls: list[int] = []

    def maybe() -> Service | None:
        calls.append(1)
        return None

    container = InjectQ()
    container.bind_factory(Service, maybe, scope="singleton")
    assert container.get(Service) is None
    assert container.get(Service) is None


def test_a_factory_that_does_not_say_so_returning_none_is_still_an_error() -> None:
    def broken() -> Service:
        return None  # type: ignore[return-value]

    container = InjectQ()
    container.bind_factory(Service, broken)
    with pytest.raises(BindingError, match="returned None"):
        container.get(Service)


def test_binding_an_abstract_class_says_so_at_bind_time() -> None:
    container = InjectQ()
    with pytest.raises(BindingError, match="Cannot bind abstract class Shape"):
        container.bind(Shape)
    with pytest.raises(BindingError, match="Cannot bind abstract class Shape"):
        container[Shape] = Shape


def test_without_overrides_a_class_already_resolving_to_a_bound_instance_is_not_rebound() -> None:
    container = InjectQ(allow_override=False)
    first = Impl()
    container[Base] = first
    assert container.get(Impl) is first
    with pytest.raises(BindingError, match="allow_override=False"):
        container[Impl] = Impl()
    assert container.get(Impl) is first


def test_with_overrides_a_class_may_be_bound_over_the_instance_it_resolved_to() -> None:
    container = InjectQ()
    container[Base] = Impl()
    second = Impl()
    container[Impl] = second
    assert container.get(Impl) is second


def test_clearing_the_singleton_scope_closes_the_singletons_and_makes_new_ones() -> None:
    closed: list[str] = []

    def make():  # type: ignore[no-untyped-def]
        yield Service()
        closed.append("closed")

    container = InjectQ()
    container.bind_factory(Service, make, scope="singleton")
    first = container.get(Service)
    container.clear_scope(ScopeType.SINGLETON)
    assert closed == ["closed"]
    assert container.get(Service) is not first
    container.clear_all_scopes()
    assert closed == ["closed", "closed"]


def test_clearing_a_misspelt_lifetime_says_which_one_was_meant() -> None:
    with pytest.raises(BindingError, match="did you mean scope='singleton'"):
        InjectQ().clear_scope("singelton")


def test_clearing_a_named_scope_outside_it_does_nothing_and_inside_it_is_an_error() -> None:
    container = InjectQ()
    container.bind(Service, Service, scope="request")
    container.clear_scope("request")
    with container.scope("request"):
        held = container.get(Service)
        with pytest.raises(ScopeError, match="while it is open"):
            container.clear_scope("request")
        assert container.get(Service) is held


def test_the_dependency_graph_maps_each_key_to_what_is_injected_into_it() -> None:
    container = InjectQ()
    container.bind(Repository)
    assert container.get_dependency_graph() == {Repository: [Service], Service: []}


def test_compile_raises_the_problems_get_would_raise_before_anything_is_built() -> None:
    class Broken:
        def __init__(self, missing: int) -> None:
            self.missing = missing

    container = InjectQ()
    container.bind(Repository)
    container.compile()
    container.bind(Broken)
    with pytest.raises(MissingBindingError, match="no binding for int"):
        container.compile()


def test_activate_makes_the_container_current_until_cleared() -> None:
    container = InjectQ()
    container.activate()
    try:
        assert InjectQ.get_instance() is container
    finally:
        ContainerContext.clear_current()
    assert ContainerContext.get_current() is None


async def test_container_context_use_and_use_async_restore_the_previous_container() -> None:
    outer, inner = InjectQ(), InjectQ()
    with ContainerContext.use(outer):
        async with ContainerContext.use_async(inner):
            assert InjectQ.get_instance() is inner
        assert InjectQ.get_instance() is outer
    assert ContainerContext.get_current() is None


def test_remove_binding_and_async_scope_are_unbind_and_scope() -> None:
    container = InjectQ()
    container.bind(Service)
    container.remove_binding(Service)
    assert Service not in container
    with pytest.raises(KeyError):
        container.remove_binding(Service)
    with container.async_scope("request") as scope:
        assert scope.name == "request"


class Greeter:
    def greet(self) -> str:
        return "hello"


def test_a_marker_read_as_its_value_without_inject_names_the_fix() -> None:
    def subscripted(greeter: Greeter = Inject[Greeter]) -> str:  # type: ignore[assignment]
        return greeter.greet()

    def called(greeter: Greeter = Inject(Greeter)) -> str:
        return greeter.greet()

    for function in (subscripted, called):
        with pytest.raises(InjectQError, match=r"called without injection") as raised:
            function()
        assert isinstance(raised.value, AttributeError)
        assert "decorate the function with @inject" in str(raised.value)


def test_a_marker_stays_quiet_under_hasattr_and_is_still_the_annotated_type() -> None:
    marker = Inject[Greeter]
    assert not hasattr(marker, "greet")
    assert typing.get_origin(marker) is typing.Annotated
    assert typing.get_args(marker)[0] is Greeter


def test_the_same_functions_with_inject_get_the_value() -> None:
    container = InjectQ()

    @inject(container=container)
    def subscripted(greeter: Greeter = Inject[Greeter]) -> str:  # type: ignore[assignment]
        return greeter.greet()

    @inject(container=container)
    def called(greeter: Greeter = Inject(Greeter)) -> str:
        return greeter.greet()

    assert subscripted() == called() == "hello"
