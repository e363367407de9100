"""`injectq.testing`: injectq 0.5.0's test helpers, as faces of this project's own.

`override_dependency` is `container.override`; `test_container()` is `InjectQ.test_mode()`;
`TestModule` is a `Module` of test values (doubles need not inherit from the key). The pytest
plugin's fixtures (`injectq_container`, `injectq_override`) are the project's own way.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

from ._container import InjectQ
from ._module import Module

if TYPE_CHECKING:
    from collections.abc import Generator

    from ._module import Binder

__all__ = ["TestModule", "override_dependency", "test_container"]


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


# not a test class, for pytest's collection
test_container.__test__ = False  # type: ignore[attr-defined]


class TestModule(Module):
    """A module of test values: `TestModule().bind_value(Db, FakeDb()).mock(Mailer)`.

    Each value is served as it is, a singleton of the container that installs the module:
    a test double need not inherit from its key.
    """

    __test__ = False  # not a test class, for pytest's collection

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
