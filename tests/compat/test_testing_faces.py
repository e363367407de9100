"""injectq 0.5.0's `injectq.testing` (and `injectq.testing.utilities`), as faces of this
project's `container.override`, `InjectQ.test_mode()` and Modules of test values."""

import inspect

import injectq.testing
from injectq import Binder, InjectQ, Module
from injectq.testing import utilities
from injectq.testing.utilities import (
    MockFactory,
    TestModule,
    create_test_module,
    mock_factory,
    override_dependency,
    pytest_container_fixture,
    test_container,
)


class Mailer:
    def send(self, to: str) -> str:
        return f"sent to {to}"


class FakeMailer:  # a double that does not inherit from Mailer
    def send(self, to: str) -> str:
        return f"faked to {to}"


class Signup:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer


def test_both_paths_hold_the_same_helpers() -> None:
    for name in utilities.__all__:
        assert getattr(injectq.testing, name) is getattr(utilities, name)


def test_override_dependency_reaches_singletons_that_depend_on_the_key_and_ends() -> None:
    container = InjectQ()
    container.bind(Signup, Signup)
    with override_dependency(Mailer, FakeMailer(), container=container):
        assert container.get(Signup).mailer.send("a") == "faked to a"
    assert container.get(Signup).mailer.send("a") == "sent to a"


def test_test_container_is_the_default_only_inside_the_block() -> None:
    outside = InjectQ.get_instance()
    with test_container() as container:
        assert InjectQ.get_instance() is container
        with override_dependency(Mailer, FakeMailer()):  # the default one: this container
            assert container.get(Signup).mailer.send("b") == "faked to b"
    assert InjectQ.get_instance() is outside


def test_create_test_module_serves_each_value_for_its_key() -> None:
    fake: object = FakeMailer()
    container = InjectQ([create_test_module({Mailer: fake, str: "sqlite://"})])
    assert container.get(Mailer) is fake
    assert container.get(str) == "sqlite://"
    assert container.get(Signup).mailer is fake


def test_test_module_chains_values_and_spec_mocks() -> None:
    module = TestModule().bind_value(str, "x").mock(Mailer)
    container = InjectQ([module])
    assert container.get(str) == "x"
    mailer = container.get(Mailer)
    assert mailer is container.get(Mailer)
    assert not hasattr(mailer, "not_a_mailer_method")  # a spec mock: only Mailer's attributes


def test_a_test_module_replaces_what_an_application_module_bound() -> None:
    class MailModule(Module):
        def configure(self, binder: Binder) -> None:
            binder.bind(Mailer, Mailer)

    fake: object = FakeMailer()
    container = InjectQ([MailModule(), TestModule().bind_value(Mailer, fake)])
    assert container.get(Mailer) is fake


def test_mock_factory_makes_one_stand_in_per_type_until_reset() -> None:
    factory = MockFactory()
    stand_in = factory.create_mock(Mailer, sender="noreply")
    assert factory.create_mock(Mailer) is stand_in
    assert stand_in.sender == "noreply"
    assert stand_in.send("c") == "mock_send_result"
    factory.reset()
    assert factory.create_mock(Mailer) is not stand_in


def test_a_stand_in_does_not_pretend_to_have_protocol_methods() -> None:
    stand_in = mock_factory.create_mock(Signup)
    try:
        assert not hasattr(stand_in, "__deepcopy__")
    finally:
        mock_factory.reset()


container_fixture = pytest_container_fixture()  # the `container` fixture of this module


def test_the_container_fixture_is_a_new_default_container_per_test(container: InjectQ) -> None:
    assert InjectQ.get_instance() is container
    assert not container.is_bound(Mailer)


def test_helpers_are_not_collected_as_tests() -> None:
    assert test_container.__test__ is False  # type: ignore[attr-defined]
    assert TestModule.__test__ is False
    assert inspect.isfunction(pytest_container_fixture)
