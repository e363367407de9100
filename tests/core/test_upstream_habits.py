"""Code written for injectq 0.5.0: what it documented either works the same here, or fails
at once with an error that names this project's way; never a silent difference."""

from __future__ import annotations

import pytest

from injectq import BindingError, Inject, InjectQ, inject


class Greeter:
    def __init__(self, greeting: str = "hello") -> None:
        self.greeting = greeting

    def greet(self, name: str) -> str:
        return f"{self.greeting} {name}"


class Base:
    pass


class Impl(Base):
    def __init__(self, name: str = "default") -> None:
        self.name = name


def test_inject_of_a_type_as_a_default_injects_it() -> None:
    container = InjectQ()
    container.bind(Greeter, Greeter("hi"))

    @inject(container=container)
    def greet(name: str, greeter: Greeter = Inject[Greeter]) -> str:
        return greeter.greet(name)

    assert greet("ada") == "hi ada"
    assert greet("bob", greeter=Greeter("yo")) == "yo bob"  # a value given still wins


def test_inject_of_a_string_as_a_default_injects_that_key() -> None:
    container = InjectQ()
    container["db_url"] = "postgresql://localhost/app"

    @inject(container=container)
    def connect(url: str = Inject["db_url"]) -> str:
        return url

    assert connect() == "postgresql://localhost/app"


def test_inject_called_with_a_key_is_a_marker_too() -> None:
    container = InjectQ()

    @inject(container=container)
    def greet(name: str, greeter: Greeter = Inject(Greeter)) -> str:
        return greeter.greet(name)

    assert greet("cy") == "hello cy"


def test_an_instance_bound_under_its_base_class_is_what_its_own_class_gets() -> None:
    container = InjectQ()
    container[Base] = Impl("configured")
    assert container.get(Impl) is container.get(Base)
    assert container.get(Impl).name == "configured"


def test_two_instances_of_one_class_under_other_keys_are_an_error_not_a_guess() -> None:
    container = InjectQ()
    container[Base] = Impl("one")
    container["spare"] = Impl("two")
    with pytest.raises(BindingError, match="which one it means is not clear"):
        container.get(Impl)


def test_a_plain_typed_parameter_is_injected_by_its_name_when_the_type_is_not_bound() -> None:
    container = InjectQ()
    container["db_url"] = "postgresql://localhost/app"
    container["pool_size"] = 5

    @inject(container=container)
    def create(db_url: str, pool_size: int) -> str:
        return f"{db_url} ({pool_size})"

    class Repository:
        def __init__(self, db_url: str) -> None:
            self.db_url = db_url

    assert create() == "postgresql://localhost/app (5)"
    assert container.get(Repository).db_url == "postgresql://localhost/app"
    container.validate()


def test_a_bound_plain_type_still_wins_over_the_name() -> None:
    container = InjectQ()
    container[str] = "by type"
    container["db_url"] = "by name"

    @inject(container=container)
    def create(db_url: str) -> str:
        return db_url

    assert create() == "by type"


def test_a_test_double_that_does_not_inherit_is_refused_by_bind_naming_override() -> None:
    class MockGreeter:
        def greet(self, name: str) -> str:
            return f"mock {name}"

    container = InjectQ()
    with pytest.raises(BindingError, match=r"container\.override"):
        container[Greeter] = MockGreeter()
    with container.override(Greeter, MockGreeter()):
        assert container.get(Greeter).greet("x") == "mock x"


def test_membership_has_try_get_and_del_work_like_a_dict_of_bindings() -> None:
    container = InjectQ()
    container[Greeter] = Greeter("hi")
    assert Greeter in container
    assert container.has(Greeter)
    assert Base not in container  # autowirable, but not bound
    assert [] not in container  # not a key at all: not in it
    assert container.try_get("missing", "fallback") == "fallback"
    assert container.try_get(Greeter).greeting == "hi"
    del container[Greeter]
    assert Greeter not in container
    assert container.get(Greeter).greeting == "hello"  # autowired again
    with pytest.raises(KeyError):
        del container[Greeter]


def test_the_exception_names_of_0_5_0_catch_what_they_meant() -> None:
    import injectq
    from injectq.utils.exceptions import DependencyNotFoundError, InjectionError

    assert DependencyNotFoundError is injectq.MissingBindingError
    assert injectq.AlreadyRegisteredError is injectq.BindingError
    assert InjectionError is injectq.InjectQError
    with pytest.raises(DependencyNotFoundError):
        InjectQ().get("db_url")


def test_a_factorys_own_exception_reaches_the_caller_as_itself() -> None:
    class NotFoundHTTPError(Exception):
        pass

    def lookup() -> Greeter:
        raise NotFoundHTTPError("404")

    container = InjectQ()
    container.bind_factory(Greeter, lookup)
    with pytest.raises(NotFoundHTTPError):
        container.get(Greeter)


def test_the_testing_helpers_of_0_5_0_are_faces_of_override_and_a_fresh_default() -> None:
    from injectq.testing import TestModule, override_dependency, test_container

    class MockGreeter:  # a double that does not inherit
        def greet(self, name: str) -> str:
            return f"mock {name}"

    with test_container() as container:
        assert InjectQ.get_instance() is container
        container.install(TestModule().bind_value(Greeter, MockGreeter()).mock(Base))
        assert container.get(Greeter).greet("a") == "mock a"
        assert container.get(Base) is container.get(Base)
        with override_dependency(Greeter, Greeter("over")):
            assert container.get(Greeter).greet("b") == "over b"

        @inject
        def greet(greeter: Greeter = Inject[Greeter]) -> str:
            return greeter.greet("c")

        assert greet() == "mock c"  # @inject without a container: the default one
    assert InjectQ.get_instance() is not container


def test_reset_instance_forgets_the_default_container() -> None:
    outside = InjectQ.get_instance()
    with InjectQ.test_mode() as first:  # puts `outside` back after the block
        InjectQ.reset_instance()
        assert InjectQ.get_instance() is not first
    assert InjectQ.get_instance() is outside


def test_scope_type_names_are_the_lifetime_strings() -> None:
    from injectq import ScopeType

    container = InjectQ()
    container.bind(Greeter, Greeter, scope=ScopeType.TRANSIENT)
    container.bind(Base, Impl, scope=ScopeType.SINGLETON)
    assert container.get(Greeter) is not container.get(Greeter)
    assert container.get(Base) is container.get(Base)


def test_the_import_paths_of_0_5_0_reach_this_projects_names() -> None:
    import injectq
    from injectq.decorators import inject as inject_from_decorators
    from injectq.decorators.inject import Inject as InjectFromDecorators
    from injectq.decorators.singleton import singleton
    from injectq.utils import DependencyNotFoundError

    assert inject_from_decorators is injectq.inject
    assert InjectFromDecorators is injectq.Inject
    assert singleton is injectq.singleton
    assert DependencyNotFoundError is injectq.MissingBindingError


def test_factories_are_handed_back_called_with_arguments_or_invoked() -> None:
    from injectq import MissingBindingError

    container = InjectQ()
    container[Greeter] = Greeter("hi")

    def make_report(title: str, greeter: Greeter) -> str:
        return greeter.greet(title)

    container.factories["report"] = make_report
    assert container.factories["report"] is make_report
    assert "report" in container.factories
    assert container.call_factory("report", "x", Greeter("yo")) == "yo x"
    assert container.invoke("report", "q3") == "hi q3"  # greeter injected, title given
    del container.factories["report"]
    with pytest.raises(MissingBindingError):
        container.get_factory("report")


async def test_async_factories_are_invoked_and_awaited() -> None:
    container = InjectQ()

    async def make_label(prefix: str, greeter: Greeter) -> str:
        return greeter.greet(prefix)

    container.bind_factory("label", make_label)
    assert await container.ainvoke("label", "async") == "hello async"
    assert await container.acall_factory("label", "direct", Greeter("yo")) == "yo direct"


def test_a_container_made_current_with_context_serves_inject_and_get_instance() -> None:
    container = InjectQ()
    container[Greeter] = Greeter("from the context")

    @inject
    def greet(greeter: Greeter = Inject[Greeter]) -> str:
        return greeter.greet("d")

    with container.context():
        assert InjectQ.get_instance() is container
        assert greet() == "from the context d"
    assert InjectQ.get_instance() is not container


def test_the_constructor_bind_instance_install_module_and_clear_of_0_5_0() -> None:
    from injectq import AlreadyRegisteredError, Module

    class Settings(Module):
        def configure(self, binder: object) -> None:
            binder.bind(Greeter, Greeter("from a module"))  # type: ignore[attr-defined]

    container = InjectQ(modules=[Settings()], thread_safe=True)
    assert container.get(Greeter).greeting == "from a module"
    container.bind_instance(type, Greeter)  # a class object, as itself
    assert container.get(type) is Greeter
    container.bind_instance("nothing", None, allow_none=True)
    assert container.get("nothing") is None
    container.clear()
    assert Greeter not in container

    strict = InjectQ(allow_override=False)
    strict.install_module(Settings())
    with pytest.raises(AlreadyRegisteredError, match="already bound"):
        strict[Greeter] = Greeter()


def test_allow_concrete_false_keeps_an_instance_to_its_own_key() -> None:
    container = InjectQ()
    configured = Impl("configured")
    container.bind(Base, configured, allow_concrete=False)
    assert container.get(Base) is configured
    assert container.get(Impl) is not configured  # autowired, as any unbound class
    container.bind_instance(Base, configured)  # allow_concrete=True again
    assert container.get(Impl) is configured


async def test_invoke_names_a_parameter_nothing_gives_and_aget_factory_is_awaited() -> None:
    from injectq import MissingBindingError

    container = InjectQ()

    def make_account(user_id: int, greeter: Greeter) -> str:
        return greeter.greet(str(user_id))

    container.bind_factory("account", make_account)
    with pytest.raises(MissingBindingError, match="'user_id' was not given"):
        container.invoke("account")
    assert container.invoke("account", 7) == "hello 7"
    assert await container.aget_factory("account") is make_account


def test_inject_on_a_class_is_refused_with_the_way_to_inject_one() -> None:
    with pytest.raises(BindingError, match="@inject decorates functions"):

        @inject
        class NotAFunction:
            pass


def test_invoke_sees_a_value_bound_under_a_parameters_name_after_an_earlier_invoke() -> None:
    container = InjectQ()

    def make_title(title: str, greeter: Greeter) -> str:
        return greeter.greet(title)

    container.bind_factory("titled", make_title)
    assert container.invoke("titled", "first") == "hello first"
    container["title"] = "bound"  # the compiled invoke of make_title is made again
    assert container.invoke("titled") == "hello bound"
