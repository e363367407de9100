"""`injectq.testing.utilities`: injectq 0.5.0's test helpers, as faces of this project's own.

`override_dependency` is `container.override`; `test_container()` is `InjectQ.test_mode()`;
`TestModule` and `create_test_module` are Modules of test values (doubles need not inherit
from their key); `mock_factory` makes one stand-in per type whose unknown methods answer
`"mock_<name>_result"`; `pytest_container_fixture()` is a fixture of `test_container()`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

from .._container import InjectQ
from .._module import Module

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping

    from .._module import Binder

__all__ = [
    "MockFactory",
    "TestModule",
    "create_test_module",
    "mock_factory",
    "override_dependency",
    "pytest_container_fixture",
    "test_container",
]


@contextmanager
def override_dependency(key: Any, value: Any, container: InjectQ | None = None) -> Generator[None]:
    """While the block runs, `key` resolves to `value` (`container.override`; the default
    container when none is given)."""
    with (container or InjectQ.get_instance()).override(key, value):
        yield


@contextmanager
def test_container() -> Generator[InjectQ]:
    """A new container, the process-wide default while the block runs (`InjectQ.test_mode`)."""
    with InjectQ.test_mode() as container:
        yield container


# not a test function, for pytest's collection
test_container.__test__ = False  # type: ignore[attr-defined]


class TestModule(Module):
    """A module of test values: `TestModule().bind_value(Db, FakeDb()).mock(Mailer)`.

    Each value is served as it is, a singleton of the container that installs the module:
    a test double need not inherit from its key. Installed after the application's modules,
    its values replace theirs (`overrides = True`): that is what it is for.
    """

    __test__ = False  # not a test class, for pytest's collection
    overrides = True

    def __init__(self) -> None:
        self._values: list[tuple[Any, Any]] = []

    def bind_value(self, key: Any, value: Any) -> TestModule:
        """Serve `value` for `key`; returns the module, for chaining."""
        self._values.append((key, value))
        return self

    def mock(self, key: type[Any], **attributes: Any) -> TestModule:
        """Serve a `unittest.mock.Mock` with `key`'s attributes (and `attributes` set)."""
        return self.bind_value(key, mock.Mock(spec=key, **attributes))

    def configure(self, binder: Binder) -> None:
        for key, value in self._values:
            binder.bind_factory(key, _serving(value), scope="singleton")


def _serving(value: Any) -> Any:
    def serve() -> Any:
        return value

    return serve


def create_test_module(bindings: Mapping[Any, Any]) -> TestModule:
    """A module serving each value of `bindings` for its key: `InjectQ([create_test_module(
    {Database: FakeDatabase(), str: "sqlite://"})])`."""
    module = TestModule()
    for key, value in bindings.items():
        module.bind_value(key, value)
    return module


class StandIn:
    """A test double: the attributes it was given; any other method returns
    `"mock_<name>_result"`."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocol lookups (copy, pickle) must not find a method
            raise AttributeError(name)

        def method(*args: Any, **kwargs: Any) -> str:
            del args, kwargs
            return f"mock_{name}_result"

        return method


class MockFactory:
    """One `StandIn` per type, made on first request (later attributes are ignored)."""

    def __init__(self) -> None:
        self._stand_ins: dict[Any, StandIn] = {}

    def create_mock(self, service_type: Any, **attributes: Any) -> StandIn:
        """The stand-in for `service_type`, made with `attributes` the first time."""
        stand_in = self._stand_ins.get(service_type)
        if stand_in is None:
            stand_in = self._stand_ins.setdefault(service_type, StandIn(**attributes))
        return stand_in

    def reset(self) -> None:
        """Forget every stand-in: the next `create_mock` makes a new one."""
        self._stand_ins.clear()


mock_factory = MockFactory()


def pytest_container_fixture() -> Callable[..., object]:
    """A pytest fixture named `container`: a `test_container()` for each test.

    In a conftest.py: `container = pytest_container_fixture()`.
    """
    import pytest

    @pytest.fixture(name="container")
    def container_fixture() -> Generator[InjectQ]:
        with test_container() as container:
            yield container

    return container_fixture
