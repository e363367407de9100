"""injectq 0.5.0's options of the lifetime decorators: `container=` on `@singleton`,
`@transient` and `@scoped`, and `@register_as`, as faces of the marks and `bind` /
`bind_factory`."""

import pytest

import injectq
from injectq import BindingError, InjectQ, ScopeError
from injectq.decorators.singleton import register_as, scoped, singleton, transient


class Repository:
    pass


def test_a_mark_without_a_container_binds_nothing() -> None:
    container = InjectQ()

    @singleton
    class Clock:
        pass

    assert not container.is_bound(Clock)
    assert container.get(Clock) is container.get(Clock)  # autowired with its mark


def test_container_binds_the_marked_class_there_with_its_lifetime() -> None:
    container = InjectQ()

    class Clock:
        pass

    class Counter:
        pass

    singleton(Clock, container=container)
    transient(Counter, container)
    assert container.is_bound(Clock)
    assert container.is_bound(Counter)
    assert container.get(Clock) is container.get(Clock)
    assert container.get(Counter) is not container.get(Counter)


def test_scoped_with_a_container_binds_the_class_to_its_named_scope() -> None:
    container = InjectQ()

    @scoped("request", container=container)
    class RequestState:
        pass

    assert container.is_bound(RequestState)
    with pytest.raises(ScopeError):
        container.get(RequestState)  # no scope named "request" is open
    with container.scope("request"):
        assert container.get(RequestState) is container.get(RequestState)


def test_a_marked_factory_is_bound_under_the_type_it_returns() -> None:
    container = InjectQ()

    def make_repository() -> Repository:
        return Repository()

    singleton(make_repository, container=container)
    assert container.get(Repository) is container.get(Repository)


def test_an_unannotated_factory_cannot_be_bound_by_its_mark() -> None:
    def make() -> None: ...

    with pytest.raises(BindingError, match="return type is not annotated"):
        transient(make, container=InjectQ())


def test_register_as_binds_the_service_to_the_class_with_the_scope() -> None:
    container = InjectQ()

    @register_as(Repository, scope="transient", container=container)
    class SqlRepository(Repository):
        pass

    made = container.get(Repository)
    assert isinstance(made, SqlRepository)
    assert container.get(Repository) is not made


def test_register_as_binds_a_factory_function_with_bind_factory() -> None:
    container = InjectQ()

    @register_as(Repository, container=container)
    def make_repository() -> Repository:
        return Repository()

    assert container.get(Repository) is container.get(Repository)  # singleton by default


def test_register_as_without_a_container_binds_in_the_active_default() -> None:
    container = InjectQ()
    with container.context():

        @register_as(Repository)
        class MemoryRepository(Repository):
            pass

    assert isinstance(container.get(Repository), MemoryRepository)


def test_a_bad_scope_is_refused_when_the_decorator_is_made() -> None:
    with pytest.raises(BindingError, match="did you mean"):
        register_as(Repository, scope="singelton")


def test_the_decorators_refuse_what_is_not_a_class_or_function() -> None:
    for decorate in (singleton, transient, scoped("request"), register_as(Repository)):
        with pytest.raises(BindingError, match="can only be applied to classes"):
            decorate("not a class")


def test_the_names_are_the_projects_own() -> None:
    import injectq.decorators as decorators

    assert singleton is injectq.singleton is decorators.singleton
    assert scoped is injectq.scoped
    assert transient is injectq.transient
    assert register_as is injectq.register_as is decorators.register_as
