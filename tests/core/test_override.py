"""``container.override(key, value)``: a live, reversible replacement of a binding."""

import threading
from typing import Protocol

import pytest

from injectq import BindingError, InjectQ, MissingBindingError


class IEmailService(Protocol):
    def send(self, to: str) -> str: ...


class SmtpEmail:
    def send(self, to: str) -> str:
        return f"smtp:{to}"


class FakeEmail:
    def __init__(self, label: str = "fake") -> None:
        self.label = label
        self.sent: list[str] = []

    def send(self, to: str) -> str:
        self.sent.append(to)
        return f"{self.label}:{to}"


class Notifier:
    def __init__(self, email: IEmailService) -> None:
        self.email = email


class Dashboard:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier


class Clock:
    pass


@pytest.fixture
def wired(container: InjectQ) -> InjectQ:
    container.bind(IEmailService, SmtpEmail)
    container.bind(Notifier, Notifier)
    container.bind(Dashboard, Dashboard)
    return container


def test_override_replaces_the_binding_while_active(wired: InjectQ) -> None:
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        assert wired.get(IEmailService) is fake
        assert wired[IEmailService] is fake


async def test_override_applies_to_aget(wired: InjectQ) -> None:
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        assert await wired.aget(IEmailService) is fake


def test_original_binding_and_instance_return_after_the_override(wired: InjectQ) -> None:
    original = wired.get(IEmailService)

    with wired.override(IEmailService, FakeEmail()):
        pass

    assert wired.get(IEmailService) is original


def test_original_binding_returns_even_when_the_block_raises(wired: InjectQ) -> None:
    original = wired.get(IEmailService)

    with pytest.raises(RuntimeError), wired.override(IEmailService, FakeEmail()):
        raise RuntimeError("test failed")

    assert wired.get(IEmailService) is original


def test_nested_overrides_apply_innermost_and_restore_in_order(wired: InjectQ) -> None:
    original = wired.get(IEmailService)
    outer = FakeEmail("outer")
    inner = FakeEmail("inner")

    with wired.override(IEmailService, outer):
        assert wired.get(IEmailService) is outer
        with wired.override(IEmailService, inner):
            assert wired.get(IEmailService) is inner
        assert wired.get(IEmailService) is outer

    assert wired.get(IEmailService) is original


def test_singleton_depending_on_the_overridden_key_sees_the_override_while_active(
    wired: InjectQ,
) -> None:
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        assert wired.get(Notifier).email is fake


def test_singleton_created_before_the_override_sees_it_while_active(wired: InjectQ) -> None:
    before = wired.get(Notifier)
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        assert wired.get(Notifier).email is fake

    assert before.email is not fake


def test_singleton_depending_on_the_overridden_key_sees_the_original_afterwards(
    wired: InjectQ,
) -> None:
    original_notifier = wired.get(Notifier)
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        wired.get(Notifier)

    after = wired.get(Notifier)
    assert after.email is not fake
    assert after.email is original_notifier.email
    assert isinstance(after.email, SmtpEmail)


def test_singleton_dependent_is_the_same_instance_again_after_the_override(
    wired: InjectQ,
) -> None:
    original_notifier = wired.get(Notifier)

    with wired.override(IEmailService, FakeEmail()):
        wired.get(Notifier)

    assert wired.get(Notifier) is original_notifier


def test_singleton_first_built_during_an_override_is_rebuilt_with_the_original_afterwards(
    wired: InjectQ,
) -> None:
    fake = FakeEmail()

    with wired.override(IEmailService, fake):
        assert wired.get(Notifier).email is fake

    assert isinstance(wired.get(Notifier).email, SmtpEmail)


def test_transitive_singleton_dependents_see_the_override(wired: InjectQ) -> None:
    fake = FakeEmail()
    wired.get(Dashboard)

    with wired.override(IEmailService, fake):
        assert wired.get(Dashboard).notifier.email is fake

    assert isinstance(wired.get(Dashboard).notifier.email, SmtpEmail)


def test_override_is_seen_inside_scopes_opened_while_it_is_active(wired: InjectQ) -> None:
    wired.bind(Clock, Clock, scope="scoped")
    fake_clock = Clock()

    with wired.override(Clock, fake_clock), wired.scope():
        assert wired.get(Clock) is fake_clock

    with wired.scope():
        assert wired.get(Clock) is not fake_clock


def test_override_of_an_unbound_autowired_class(container: InjectQ) -> None:
    fake_clock = Clock()

    with container.override(Clock, fake_clock):
        assert container.get(Clock) is fake_clock

    assert container.get(Clock) is not fake_clock


def test_override_is_visible_to_other_threads(wired: InjectQ) -> None:
    fake = FakeEmail()
    seen: list[object] = []

    with wired.override(IEmailService, fake):
        thread = threading.Thread(target=lambda: seen.append(wired.get(IEmailService)))
        thread.start()
        thread.join()

    assert seen == [fake]


def test_override_of_a_missing_binding_makes_it_resolvable_only_while_active(
    container: InjectQ,
) -> None:
    fake = FakeEmail()

    with container.override(IEmailService, fake):
        assert container.get(Notifier).email is fake

    with pytest.raises(MissingBindingError):
        container.get(Notifier)


# --- override reads its value as bind does ------------------------------------------------


def test_override_with_a_class_builds_it_as_bind_would(wired: InjectQ) -> None:
    with wired.override(IEmailService, FakeEmail):
        email = wired.get(IEmailService)
        assert isinstance(email, FakeEmail)  # an instance, not the class object
        assert wired.get(IEmailService) is email  # a class binds as a singleton by default


def test_override_with_a_class_and_a_lifetime_uses_that_lifetime(wired: InjectQ) -> None:
    with wired.override(IEmailService, FakeEmail, scope="transient"):
        assert wired.get(IEmailService) is not wired.get(IEmailService)


def test_override_uses_an_instance_as_is_even_one_that_does_not_inherit(
    container: InjectQ,
) -> None:
    class MockClock:  # a test double of a concrete class, not a subclass of it
        pass

    fake = MockClock()
    with container.override(Clock, fake):
        assert container.get(Clock) is fake


def test_override_refuses_what_bind_refuses(container: InjectQ) -> None:
    with pytest.raises(BindingError, match="abstract"):
        container.override(IEmailService, IEmailService)  # refused when called, not entered
    with pytest.raises(BindingError, match="an instance is always that one object"):
        container.override(Clock, Clock(), scope="transient")
