"""What components are registered, how they depend on each other, and their instances."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._lifecycle import ComponentError

if TYPE_CHECKING:
    from .._container import InjectQ
    from ._component import Component


def component_name(component_class: type[Component], name: str | None = None) -> str:
    """The name a component is registered under: `name`, else the class's `name`, else its
    class name in lower case."""
    return name or component_class.name or component_class.__name__.lower()


@dataclass
class ComponentBinding:
    """How one component is registered."""

    component_type: type[Component]
    interface: Any = None
    scope: str = "singleton"
    #: the interfaces it requires
    dependencies: set[Any] = field(default_factory=set[Any])
    provided_interfaces: set[Any] = field(default_factory=set[Any])
    #: the keywords its `configure()` is called with when it is made
    configuration: dict[str, Any] = field(default_factory=dict[str, Any])
    tags: set[str] = field(default_factory=set[str])
    #: among components that do not depend on each other, the higher starts first
    priority: int = 0
    auto_start: bool = True


class ComponentRegistry:
    """The registered components by name, each made (and configured) once."""

    def __init__(self) -> None:
        self._bindings: dict[str, ComponentBinding] = {}
        self._instances: dict[str, Component] = {}
        # reentrant: a component's constructor may resolve another component
        self._lock = threading.RLock()

    def register(
        self,
        component_class: type[Component],
        name: str | None = None,
        interface: Any = None,
        scope: str = "singleton",
        configuration: dict[str, Any] | None = None,
        tags: set[str] | None = None,
        priority: int = 0,
        auto_start: bool = True,
    ) -> ComponentBinding:
        """Register `component_class` under `name` (default: its `name`, else its class name
        in lower case). `tags` add to the class's own; it auto-starts only when both the class
        and `auto_start` say so."""
        name = component_name(component_class, name)
        binding = ComponentBinding(
            component_type=component_class,
            interface=interface,
            scope=scope,
            dependencies=set(component_class.requires),
            provided_interfaces=set(component_class.provides),
            configuration=dict(configuration or {}),
            tags=set(component_class.tags) | set(tags or ()),
            priority=priority,
            auto_start=auto_start and component_class.auto_start,
        )
        with self._lock:
            self._bindings[name] = binding
        return binding

    def get_binding(self, name: str) -> ComponentBinding | None:
        """The binding registered under `name`, if any."""
        return self._bindings.get(name)

    def get_bindings_by_tag(self, tag: str) -> list[ComponentBinding]:
        """The bindings of the components tagged `tag`."""
        return [binding for binding in self._bindings.values() if tag in binding.tags]

    def get_bindings_by_interface(self, interface: Any) -> list[ComponentBinding]:
        """The bindings of the components that provide `interface`."""
        return [
            binding
            for binding in self._bindings.values()
            if interface in binding.provided_interfaces
        ]

    def list_components(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._bindings)

    def auto_start_names(self) -> list[str]:
        """The names of the components that start with `start_components()`."""
        return [name for name, binding in self._bindings.items() if binding.auto_start]

    def required_components(self, name: str) -> list[str]:
        """The components that provide what `name` requires (the first registered provider of
        each interface; an interface no component provides is the container's to resolve)."""
        binding = self._bindings.get(name)
        if binding is None:
            return []
        found: list[str] = []
        for interface in binding.dependencies:
            for other, candidate in self._bindings.items():
                if interface in candidate.provided_interfaces:
                    if other not in found:
                        found.append(other)
                    break
        return found

    def get_startup_order(self) -> list[str]:
        """Every registered name, each after the components it requires; otherwise by
        priority, highest first. ComponentError when they require each other in a cycle."""
        order: list[str] = []
        visiting: list[str] = []

        def visit(name: str) -> None:
            if name in order:
                return
            if name in visiting:
                cycle = " -> ".join([*visiting[visiting.index(name) :], name])
                raise ComponentError(
                    f"Circular dependency detected involving component '{name}': {cycle}",
                    fix="let one of these components stop requiring what the next provides",
                )
            visiting.append(name)
            for required in self.required_components(name):
                visit(required)
            visiting.pop()
            order.append(name)

        for name in sorted(self._bindings, key=lambda n: -self._bindings[n].priority):
            visit(name)
        return order

    def create_instance(self, name: str, container: InjectQ) -> Component:
        """The instance of `name`, made the first time: constructed, given `container`, then
        configured with its registered configuration."""
        with self._lock:
            instance = self._instances.get(name)
            if instance is not None:
                return instance
            binding = self._bindings.get(name)
            if binding is None:
                raise ComponentError(
                    f"No component binding found for '{name}'",
                    fix=f"register it first; registered: {', '.join(self._bindings) or 'none'}",
                )
            instance = binding.component_type()
            instance.set_container(container)
            instance.configure(**binding.configuration)
            self._instances[name] = instance
            return instance

    def get_instance(self, name: str) -> Component | None:
        """The instance of `name`, if it was made."""
        return self._instances.get(name)

    def clear(self) -> None:
        """Destroy every instance, then forget every registration."""
        with self._lock:
            for instance in reversed(self._instances.values()):
                # as in injectq 0.5.0: one failing component does not keep the rest alive
                with contextlib.suppress(Exception):
                    instance.destroy()
            self._instances.clear()
            self._bindings.clear()
