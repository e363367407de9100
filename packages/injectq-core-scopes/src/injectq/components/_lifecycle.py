"""A component's lifecycle: its states, the protocol of its steps, and its error."""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol, runtime_checkable

from .._errors import InjectQError


class ComponentError(InjectQError):
    """A component was asked for something its state, or its registry, does not allow."""


class ComponentState(Enum):
    """Where a component is in its lifecycle."""

    INITIALIZED = "initialized"
    CONFIGURED = "configured"
    STARTED = "started"
    STOPPED = "stopped"
    DESTROYED = "destroyed"


#: the states each state may be entered from (any state may become DESTROYED)
ENTERED_FROM: dict[ComponentState, tuple[ComponentState, ...]] = {
    ComponentState.INITIALIZED: (ComponentState.INITIALIZED,),
    ComponentState.CONFIGURED: (ComponentState.INITIALIZED, ComponentState.CONFIGURED),
    ComponentState.STARTED: (ComponentState.CONFIGURED, ComponentState.STOPPED),
    ComponentState.STOPPED: (ComponentState.STARTED,),
}


@runtime_checkable
class ComponentInterface(Protocol):
    """What a component does: the steps of its lifecycle."""

    def initialize(self) -> None:
        """Prepare the component (it starts out initialized)."""
        ...

    def configure(self, **kwargs: Any) -> None:
        """Take configuration values."""
        ...

    def start(self) -> None:
        """Start serving."""
        ...

    def stop(self) -> None:
        """Stop serving (it may be started again)."""
        ...

    def destroy(self) -> None:
        """Stop if needed and release everything it holds."""
        ...
