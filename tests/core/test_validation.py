"""``container.validate()`` finds every wiring problem before any traffic."""

import warnings
from typing import Protocol

import pytest

from injectq import InjectQ, InjectQError, ValidationError, scoped


class IMissing(Protocol):
    def ping(self) -> None: ...


class NeedsMissing:
    def __init__(self, missing: IMissing) -> None:
        self.missing = missing


class LoopA:
    def __init__(self, b: "LoopB") -> None:
        self.b = b


class LoopB:
    def __init__(self, a: LoopA) -> None:
        self.a = a


class RequestData:
    pass


class AppCache:
    def __init__(self, data: RequestData) -> None:
        self.data = data


class Settings:
    pass


class Repository:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


class Handler:
    def __init__(self, repository: Repository, data: RequestData) -> None:
        self.repository = repository


@scoped
class UnitOfWork:
    pass


def test_validate_accepts_a_sound_graph_and_returns_no_warnings(container: InjectQ) -> None:
    container.bind(Settings, Settings())
    container.bind(Repository, Repository)
    container.bind(RequestData, RequestData, scope="scoped")
    container.bind(Handler, Handler, scope="scoped")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = container.validate()

    assert list(result) == []


def test_validate_does_not_build_any_service(container: InjectQ) -> None:
    built: list[str] = []

    class Counted:
        def __init__(self) -> None:
            built.append("counted")

    def make_settings() -> Settings:
        built.append("settings")
        return Settings()

    container.bind(Counted, Counted)
    container.bind_factory(Settings, make_settings, scope="singleton")
    container.bind(Repository, Repository)

    container.validate()

    assert built == []


def test_validate_reports_a_missing_binding_with_its_path(container: InjectQ) -> None:
    container.bind(NeedsMissing, NeedsMissing)

    with pytest.raises(ValidationError) as raised:
        container.validate()

    assert "NeedsMissing -> IMissing" in str(raised.value)


def test_validate_reports_a_cycle_with_its_path(container: InjectQ) -> None:
    container.bind(LoopA, LoopA)

    with pytest.raises(ValidationError) as raised:
        container.validate()

    assert "LoopA -> LoopB -> LoopA" in str(raised.value)


def test_validate_reports_a_captive_dependency(container: InjectQ) -> None:
    container.bind(RequestData, RequestData, scope="scoped")
    container.bind(AppCache, AppCache, scope="singleton")

    with pytest.raises(ValidationError) as raised:
        container.validate()

    assert "AppCache -> RequestData" in str(raised.value)


def test_validate_accepts_a_scoped_service_depending_on_a_singleton(container: InjectQ) -> None:
    container.bind(Settings, Settings, scope="singleton")
    container.bind(Repository, Repository, scope="scoped")

    assert list(container.validate()) == []


def test_validate_lists_every_problem_at_once(container: InjectQ) -> None:
    container.bind(NeedsMissing, NeedsMissing)
    container.bind(LoopA, LoopA)
    container.bind(RequestData, RequestData, scope="scoped")
    container.bind(AppCache, AppCache, scope="singleton")

    with pytest.raises(ValidationError) as raised:
        container.validate()

    message = str(raised.value)
    assert "NeedsMissing -> IMissing" in message
    assert "LoopA -> LoopB -> LoopA" in message
    assert "AppCache -> RequestData" in message


def test_validation_error_is_an_injectq_error(container: InjectQ) -> None:
    container.bind(NeedsMissing, NeedsMissing)

    with pytest.raises(InjectQError):
        container.validate()


def test_validate_warns_about_a_scoped_class_bound_as_an_instance(container: InjectQ) -> None:
    container.bind(UnitOfWork, UnitOfWork())

    with pytest.warns(Warning, match="UnitOfWork"):
        result = container.validate()

    assert len(result) == 1
    assert "UnitOfWork" in str(result[0])


def test_validate_leaves_the_container_usable(container: InjectQ) -> None:
    container.bind(Settings, Settings, scope="singleton")
    container.bind(Repository, Repository)

    container.validate()

    repository = container.get(Repository)
    assert repository.settings is container.get(Settings)
