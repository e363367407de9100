"""A container that also registers, makes, starts and stops components."""

# no `from __future__ import annotations`: InjectQ reads the return annotation of the
# factories bound here at run time

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .._container import InjectQ
from .._module import Module
from ._component import Component
from ._lifecycle import ComponentState
from ._registry import ComponentBinding, ComponentRegistry, component_name

T = TypeVar("T")

_STARTABLE = (ComponentState.CONFIGURED, ComponentState.STOPPED)


class ComponentContainer(InjectQ):
    """An InjectQ container with a `ComponentRegistry`: each interface a registered
    component provides resolves to that component's one instance."""

    def __init__(
        self,
        modules: Iterable[Module] = (),
        *,
        allow_override: bool = True,
        thread_safe: bool = True,
    ) -> None:
        super().__init__(modules, allow_override=allow_override, thread_safe=thread_safe)
        self.component_registry = ComponentRegistry()

    def register_component(
        self, component_class: type[Component], name: str | None = None, **options: Any
    ) -> ComponentBinding:
        """Register a component (see `ComponentRegistry.register` for `options`) and bind
        each interface it provides to its instance, made on first use."""
        name = component_name(component_class, name)
        binding = self.component_registry.register(component_class, name, **options)
        for interface in binding.provided_interfaces:
            self.bind_factory(interface, self._instance_maker(name))
        return binding

    def _instance_maker(self, name: str) -> Callable[[], Component]:
        # no parameters, so nothing to inject; transient, as the registry holds the one
        # instance (and forgets it on `clear()`): the binding only looks it up
        def component() -> Component:
            return self.component_registry.create_instance(name, self)

        return component

    def start_components(self, component_names: list[str] | None = None) -> None:
        """Make every registered component, then start the named ones (default: those that
        auto-start) and the components they require, each after what it requires."""
        registry = self.component_registry
        order = registry.get_startup_order()
        for name in order:
            registry.create_instance(name, self)
        wanted = self._with_requirements(
            registry.auto_start_names() if component_names is None else component_names
        )
        for name in order:
            instance = registry.get_instance(name)
            if name in wanted and instance is not None and instance.state in _STARTABLE:
                instance.start()

    def stop_components(self, component_names: list[str] | None = None) -> None:
        """Stop the named started components (default: all), each before what it requires."""
        registry = self.component_registry
        for name in reversed(registry.get_startup_order()):
            instance = registry.get_instance(name)
            if component_names is not None and name not in component_names:
                continue
            if instance is not None and instance.state is ComponentState.STARTED:
                instance.stop()

    def _with_requirements(self, names: Iterable[str]) -> set[str]:
        wanted: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in wanted:
                wanted.add(name)
                pending.extend(self.component_registry.required_components(name))
        return wanted

    def get_component(self, name: str) -> Component | None:
        """The instance of the component `name`, if it was made."""
        return self.component_registry.get_instance(name)

    def resolve(self, service_type: type[T]) -> T:
        """`get(service_type)`."""
        resolved: T = self.get(service_type)
        return resolved

    def list_components(self) -> dict[str, ComponentState]:
        """Every registered component's state (INITIALIZED when not made yet)."""
        states: dict[str, ComponentState] = {}
        for name in self.component_registry.list_components():
            instance = self.component_registry.get_instance(name)
            states[name] = ComponentState.INITIALIZED if instance is None else instance.state
        return states
