"""The base class of components: a unit with a lifecycle that declares what it provides
and what it requires."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._lifecycle import ENTERED_FROM, ComponentError, ComponentState
from ._scope import ComponentScope

if TYPE_CHECKING:
    from .._container import InjectQ

T = TypeVar("T")


class Component:
    """A self-contained part of an application, with a lifecycle.

    Subclasses set `name`, `provides` (the interfaces a `ComponentContainer` resolves to this
    component), `requires` (the interfaces it resolves when it starts), `tags` and
    `auto_start`, and override the lifecycle steps, calling `super()` so that the state
    follows: initialized -> configured -> started <-> stopped -> destroyed.
    """

    name: str = ""
    provides: ClassVar[list[Any]] = []
    requires: ClassVar[list[Any]] = []
    tags: ClassVar[set[str]] = set()
    auto_start: bool = True

    def __init__(self) -> None:
        self.state = ComponentState.INITIALIZED
        self.container: InjectQ | None = None
        self._scope: ComponentScope | None = None
        #: what `resolve_dependency` resolved, by key: asked of the container once each
        self._dependencies: dict[Any, Any] = {}
        if not self.name:
            self.name = type(self).__name__.lower().replace("component", "")

    def __repr__(self) -> str:
        return f"<Component '{self.name}' state={self.state.value}>"

    @property
    def scope(self) -> ComponentScope:
        """The component's own instances (made on first use)."""
        if self._scope is None:
            self._scope = ComponentScope(self.name)
        return self._scope

    def set_container(self, container: InjectQ) -> None:
        """The container this component resolves its dependencies from."""
        self.container = container

    def resolve_dependency(self, dependency_type: type[T]) -> T:
        """`dependency_type` from the component's container, resolved once and kept."""
        if self.container is None:
            raise ComponentError(
                f"No container set for component {self.name}",
                fix="register the component with a ComponentContainer, or call set_container()",
            )
        if dependency_type not in self._dependencies:
            self._dependencies[dependency_type] = self.container.get(dependency_type)
        resolved: T = self._dependencies[dependency_type]
        return resolved

    def initialize(self) -> None:
        """Check that the component is new (it is initialized when made)."""
        self._check_can_become(ComponentState.INITIALIZED)

    def configure(self, **kwargs: Any) -> None:
        """Set each keyword as an attribute of the component."""
        self._check_can_become(ComponentState.CONFIGURED)
        for key, value in kwargs.items():
            setattr(self, key, value)
        self.state = ComponentState.CONFIGURED

    def start(self) -> None:
        """Resolve everything in `requires`, then count as started."""
        self._check_can_become(ComponentState.STARTED)
        for dependency_type in self.requires:
            self.resolve_dependency(dependency_type)
        self.state = ComponentState.STARTED

    def stop(self) -> None:
        """Count as stopped (it may be started again)."""
        self._check_can_become(ComponentState.STOPPED)
        self.state = ComponentState.STOPPED

    def destroy(self) -> None:
        """Stop if started, close the component's own instances and forget its
        dependencies."""
        if self.state is ComponentState.STARTED:
            self.stop()
        if self._scope is not None:
            self._scope.clear()
        self._dependencies.clear()
        self.state = ComponentState.DESTROYED

    def _check_can_become(self, target: ComponentState) -> None:
        allowed = ENTERED_FROM[target]
        if self.state not in allowed:
            raise ComponentError(
                f"Component {self.name} cannot be {target.value} from state {self.state}",
                fix=f"it must be {' or '.join(state.value for state in allowed)} first",
            )
