"""injectq 0.5.0's `injectq.components`, as faces of this project's container: lifecycle
states, a registry that orders components by what they require, a ComponentContainer whose
provided interfaces resolve to each component's one instance, and component scopes held as
the singletons of a private container."""

import asyncio
import threading
from typing import Any, ClassVar, Protocol

import pytest

import injectq
from injectq import InjectQ
from injectq.components import (
    Component,
    ComponentContainer,
    ComponentError,
    ComponentInterface,
    ComponentRegistry,
    ComponentScope,
    ComponentState,
)


class IClock(Protocol):
    def now(self) -> int: ...


class ICache(Protocol):
    def size(self) -> int: ...


class IMailer(Protocol):
    def send(self) -> str: ...


class ClockComponent(Component):
    provides: ClassVar[list[Any]] = [IClock]

    def now(self) -> int:
        return 7


class CacheComponent(Component):
    name = "cache"
    provides: ClassVar[list[Any]] = [ICache]
    requires: ClassVar[list[Any]] = [IClock]
    tags: ClassVar[set[str]] = {"storage"}

    def size(self) -> int:
        return self.resolve_dependency(IClock).now()


class MailerComponent(Component):
    name = "mailer"
    provides: ClassVar[list[Any]] = [IMailer]
    requires: ClassVar[list[Any]] = [ICache]

    def send(self) -> str:
        return f"sent {self.resolve_dependency(ICache).size()}"


class Closable:
    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")

    def destroy(self) -> None:
        self.log.append(f"destroy {self.name}")


def test_the_component_names_are_exported_from_injectq() -> None:
    assert injectq.Component is Component
    assert injectq.ComponentContainer is ComponentContainer
    assert issubclass(ComponentContainer, InjectQ)
    assert issubclass(ComponentError, injectq.InjectQError)
    assert isinstance(ClockComponent(), ComponentInterface)


def test_a_component_is_named_after_its_class_and_walks_its_lifecycle() -> None:
    clock = ClockComponent()
    assert clock.name == "clock"
    assert clock.state is ComponentState.INITIALIZED

    clock.configure(zone="UTC")
    assert clock.state is ComponentState.CONFIGURED
    assert vars(clock)["zone"] == "UTC"  # set by configure
    clock.start()
    clock.stop()
    clock.start()
    assert clock.state is ComponentState.STARTED
    clock.destroy()
    assert clock.state is ComponentState.DESTROYED
    assert repr(clock) == "<Component 'clock' state=destroyed>"


def test_a_step_from_the_wrong_state_is_a_component_error_naming_the_states() -> None:
    clock = ClockComponent()

    with pytest.raises(ComponentError, match="cannot be started from state") as raised:
        clock.start()
    assert "configured or stopped" in str(raised.value)
    with pytest.raises(ComponentError, match="cannot be stopped"):
        clock.stop()


def test_resolve_dependency_needs_a_container_and_asks_it_once() -> None:
    cache = CacheComponent()
    with pytest.raises(ComponentError, match="No container set"):
        cache.resolve_dependency(IClock)

    container = InjectQ()
    made: list[int] = []

    def clock() -> ClockComponent:
        made.append(1)
        return ClockComponent()

    container.bind_factory(IClock, clock)  # transient: a new one per get
    cache.set_container(container)

    assert cache.resolve_dependency(IClock) is cache.resolve_dependency(IClock)
    assert len(made) == 1


def test_the_registry_merges_class_metadata_with_registration_options() -> None:
    registry = ComponentRegistry()

    binding = registry.register(CacheComponent, tags={"fast"}, priority=3, auto_start=False)

    assert registry.get_binding("cache") is binding
    assert binding.tags == {"storage", "fast"}
    assert binding.dependencies == {IClock}
    assert binding.provided_interfaces == {ICache}
    assert binding.auto_start is False
    assert registry.get_bindings_by_tag("fast") == [binding]
    assert registry.get_bindings_by_interface(ICache) == [binding]
    assert registry.list_components() == ["cache"]
    # without a name of its own, a class registers under its class name in lower case
    registry.register(ClockComponent)
    assert "clockcomponent" in registry.list_components()


def test_the_startup_order_puts_what_is_required_first_then_priority() -> None:
    registry = ComponentRegistry()
    registry.register(MailerComponent, priority=10)
    registry.register(CacheComponent)
    registry.register(ClockComponent, name="clock")

    assert registry.get_startup_order() == ["clock", "cache", "mailer"]


def test_components_requiring_each_other_are_a_component_error_naming_the_cycle() -> None:
    class Ping(Component):
        name = "ping"
        provides: ClassVar[list[Any]] = [IClock]
        requires: ClassVar[list[Any]] = [ICache]

    class Pong(Component):
        name = "pong"
        provides: ClassVar[list[Any]] = [ICache]
        requires: ClassVar[list[Any]] = [IClock]

    registry = ComponentRegistry()
    registry.register(Ping)
    registry.register(Pong)

    with pytest.raises(ComponentError, match="Circular dependency") as raised:
        registry.get_startup_order()
    assert "ping -> pong -> ping" in str(raised.value)


def test_the_registry_makes_each_component_once_configured_and_clear_destroys_them() -> None:
    registry = ComponentRegistry()
    registry.register(ClockComponent, name="clock", configuration={"zone": "UTC"})
    container = InjectQ()

    clock = registry.create_instance("clock", container)

    assert registry.create_instance("clock", container) is clock
    assert registry.get_instance("clock") is clock
    assert clock.container is container
    assert clock.state is ComponentState.CONFIGURED
    assert vars(clock)["zone"] == "UTC"
    with pytest.raises(ComponentError, match="No component binding found for 'nope'"):
        registry.create_instance("nope", container)

    registry.clear()
    assert clock.state is ComponentState.DESTROYED
    assert registry.list_components() == []
    assert registry.get_instance("clock") is None


def test_threads_making_one_component_get_the_same_instance() -> None:
    registry = ComponentRegistry()
    registry.register(ClockComponent, name="clock")
    container = InjectQ()
    made: list[Component] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait()
        made.append(registry.create_instance("clock", container))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(instance) for instance in made}) == 1


def test_a_component_container_resolves_provided_interfaces_to_the_one_instance() -> None:
    container = ComponentContainer()
    container.register_component(ClockComponent, name="clock")
    container.register_component(CacheComponent)

    cache = container.resolve(ICache)

    assert isinstance(cache, CacheComponent)
    assert container.get(ICache) is cache
    assert container.get_component("cache") is cache
    assert cache.size() == 7
    assert container.get_component("clock") is container.get(IClock)


def test_start_components_starts_the_named_ones_and_what_they_require_in_order() -> None:
    container = ComponentContainer()
    container.register_component(ClockComponent, name="clock")
    container.register_component(CacheComponent)
    container.register_component(MailerComponent)
    assert container.list_components() == dict.fromkeys(
        ("clock", "cache", "mailer"), ComponentState.INITIALIZED
    )

    container.start_components(["cache"])

    assert container.list_components() == {
        "clock": ComponentState.STARTED,
        "cache": ComponentState.STARTED,
        "mailer": ComponentState.CONFIGURED,
    }


def test_start_components_skips_those_registered_not_to_auto_start() -> None:
    container = ComponentContainer()
    container.register_component(ClockComponent, name="clock", auto_start=False)

    container.start_components()

    assert container.list_components() == {"clock": ComponentState.CONFIGURED}


def test_stop_components_stops_dependents_before_what_they_require() -> None:
    stopped: list[str] = []

    class RecordingClock(ClockComponent):
        name = "clock"

        def stop(self) -> None:
            super().stop()
            stopped.append(self.name)

    class RecordingCache(CacheComponent):
        def stop(self) -> None:
            super().stop()
            stopped.append(self.name)

    container = ComponentContainer()
    container.register_component(RecordingClock)
    container.register_component(RecordingCache)
    container.start_components()

    container.stop_components()

    assert stopped == ["cache", "clock"]
    assert set(container.list_components().values()) == {ComponentState.STOPPED}


def test_a_component_scope_makes_each_key_once() -> None:
    scope = ComponentScope("cache")
    made: list[object] = []

    def make() -> object:
        made.append(object())
        return made[-1]

    assert scope.name == "component:cache"
    assert scope.component_name == "cache"
    assert scope.get("entry", make) is scope.get("entry", make)
    assert len(made) == 1


def test_clearing_a_component_scope_stops_and_destroys_newest_first() -> None:
    log: list[str] = []
    scope = ComponentScope("cache")
    scope.get("a", lambda: Closable(log, "a"))
    scope.get("b", lambda: Closable(log, "b"))

    scope.clear()

    assert log == ["stop b", "destroy b", "stop a", "destroy a"]
    fresh = scope.get("a", lambda: Closable(log, "a2"))
    assert fresh.name == "a2"


def test_a_component_scope_awaits_an_async_factory() -> None:
    log: list[str] = []
    scope = ComponentScope("cache")

    async def make() -> Closable:
        return Closable(log, "async")

    async def main() -> tuple[object, object]:
        return await scope.aget("a", make), await scope.aget("a", make)

    first, second = asyncio.run(main())

    assert first is second
    scope.clear()
    assert log == ["stop async", "destroy async"]


def test_destroying_a_component_clears_its_scope() -> None:
    log: list[str] = []
    clock = ClockComponent()
    clock.scope.get("held", lambda: Closable(log, "held"))

    clock.destroy()

    assert log == ["stop held", "destroy held"]
