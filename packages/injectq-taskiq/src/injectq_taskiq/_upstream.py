"""The names injectq 0.5.0 gave its taskiq integration, as faces of this adapter.

Injection and the scope per task attempt are this adapter's (`setup_taskiq_integration`).
0.5.0 also kept the container on the broker's state (`broker.state.injectq_container`), where
`get_injector_instance_taskiq(state)` finds it; `setup_taskiq` puts it there too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from injectq import InjectQ, ScopeError

from ._dependency import InjectedDefault, InjectQDependency
from ._setup import broker_of, setup_taskiq_integration

if TYPE_CHECKING:
    from collections.abc import Callable

    from taskiq import AsyncBroker, Context, TaskiqScheduler, TaskiqState

T = TypeVar("T")

#: the attribute of a broker's `TaskiqState` holding the container
STATE_ATTRIBUTE: Final = "injectq_container"


def attach_container(state: TaskiqState, container: InjectQ) -> None:
    """Keep `container` on `state`, where `get_injector_instance_taskiq` finds it."""
    setattr(state, STATE_ATTRIBUTE, container)


def get_injector_instance_taskiq(state: TaskiqState) -> InjectQ:
    """The container kept on a broker's state (`context.state` inside a task)."""
    container: object = getattr(state, STATE_ATTRIBUTE, None)
    if not isinstance(container, InjectQ):
        raise ScopeError(
            "No InjectQ container in this taskiq state: the broker was not set up with "
            "setup_taskiq",
            fix="call setup_taskiq(container, broker) when building the broker",
        )
    return container


def setup_taskiq(container: InjectQ, broker: AsyncBroker | TaskiqScheduler) -> None:
    """`setup_taskiq_integration(broker, container)`, with 0.5.0's argument order; the
    container is also kept on the broker's state, as 0.5.0 kept it."""
    setup_taskiq_integration(broker, container)
    attach_container(broker_of(broker).state, container)


class UpstreamTaskMarker(InjectedDefault):
    """`InjectTaskiq(T)`: the adapter's marker, with the `dependency` callable 0.5.0's
    `TaskiqDepends` had."""

    __slots__ = ()

    def dependency(self, context: Context) -> Any:
        """The service, from the container of the task's broker (resolved in the attempt's
        scope when called while a task runs)."""
        return get_injector_instance_taskiq(context.state).get(self.__injectq_key__)


def InjectTaskiq(interface: Callable[..., T]) -> T:  # noqa: N802
    """`Annotated[T, InjectTaskiq(T)]`: `InjectQDependency(T)` under 0.5.0's name."""
    marker = cast("InjectedDefault", InjectQDependency(interface))  # checks the key
    return cast("T", UpstreamTaskMarker(marker.__injectq_key__))


InjectTask = InjectTaskiq
