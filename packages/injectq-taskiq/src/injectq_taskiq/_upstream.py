"""The names injectq 0.5.0 gave its taskiq integration, as faces of this adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._dependency import InjectQDependency
from ._setup import setup_taskiq_integration

if TYPE_CHECKING:
    from collections.abc import Callable

    from taskiq import AsyncBroker, TaskiqScheduler

    from injectq import InjectQ

T = TypeVar("T")


def setup_taskiq(container: InjectQ, broker: AsyncBroker | TaskiqScheduler) -> None:
    """`setup_taskiq_integration(broker, container)`, with 0.5.0's argument order."""
    setup_taskiq_integration(broker, container)


def InjectTaskiq(interface: Callable[..., T]) -> T:  # noqa: N802
    """`Annotated[T, InjectTaskiq(T)]`: `InjectQDependency(T)` under 0.5.0's name."""
    return InjectQDependency(interface)


InjectTask = InjectTaskiq
