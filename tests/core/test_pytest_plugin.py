"""The pytest plugin's fixtures: overrides last for one test and end with it."""

from __future__ import annotations

import pytest

from injectq import InjectQ
from injectq.pytest_plugin import Override


class Mailer:
    def __init__(self) -> None:
        self.name = "smtp"


class FakeMailer(Mailer):
    def __init__(self) -> None:
        self.name = "fake"


APP = InjectQ()
APP.bind(Mailer, Mailer)


@pytest.fixture
def injectq_container() -> InjectQ:
    return APP  # a project points the plugin at its own container like this


def test_an_override_is_seen_for_the_rest_of_the_test(injectq_override: Override) -> None:
    fake = injectq_override(Mailer, FakeMailer())
    assert APP.get(Mailer) is fake


def test_the_previous_tests_override_has_ended() -> None:
    assert APP.get(Mailer).name == "smtp"
