"""A component's own instances, held by a container of its own as singletons."""

# no `from __future__ import annotations`: InjectQ reads the made factory's annotations at
# run time, so the names in them must be imported here

import contextlib
import threading
from collections.abc import Callable, Generator
from typing import Any

from .._container import InjectQ
from .._factories import awaited


class ComponentScope:
    """The instances one component made for itself, each made once per key.

    They are singletons of a private container: `clear()` closes it, which stops and then
    destroys each instance that has those methods (newest first), and forgets them.
    """

    def __init__(self, component_name: str) -> None:
        self.component_name = component_name
        self.name = f"component:{component_name}"
        self._held = InjectQ()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ComponentScope {self.name!r}>"

    def get(self, key: Any, factory: Callable[[], Any]) -> Any:
        """The instance held under `key`, made by `factory()` the first time."""
        with self._lock:
            if key not in self._held:
                self._held.bind_factory(key, _held_until_cleared(factory), scope="singleton")
        return self._held.get(key)

    async def aget(self, key: Any, factory: Callable[[], Any]) -> Any:
        """`get`, awaiting `factory()` when it returns an awaitable."""
        if key in self._held:
            return self._held.get(key)
        made = await awaited(factory())
        kept = self.get(key, lambda: made)
        if kept is not made:  # another task made one meanwhile: it is the one held
            _shut_down(made)
        return kept

    def clear(self) -> None:
        """Stop and destroy every held instance, and forget them."""
        self._held.clear()


def _held_until_cleared(factory: Callable[[], Any]) -> Callable[[], Generator[Any]]:
    def lifecycle() -> Generator[Any]:
        instance = factory()
        try:
            yield instance
        finally:
            _shut_down(instance)

    return lifecycle


def _shut_down(instance: object) -> None:
    for step in ("stop", "destroy"):
        method = getattr(instance, step, None)
        if callable(method):
            # as in injectq 0.5.0: one instance failing to stop does not keep the rest open
            with contextlib.suppress(Exception):
                method()
