"""injectq 0.5.0's `injectq.modules.base`, as a face of this project's own Module and Binder.

Every module here is an `injectq.Module`: `container.install(module)` (or `InjectQ([module])`)
applies it through the one Binder, so the rule about two modules binding one key holds for
these too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from .._module import Binder, Module, provider

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["ConfigurationModule", "Module", "ProviderModule", "SimpleModule", "provider"]


class SimpleModule(Module):
    """A Module built by chained calls: `SimpleModule().bind(A, AImpl).bind_instance(B, b)`.

    The bindings are recorded as they are chained and made when the module is installed.
    """

    def __init__(self) -> None:
        self._steps: list[Callable[[Binder], None]] = []

    def bind(
        self,
        service_type: Any,
        implementation: Any = None,
        scope: str | None = None,
        to: Any = None,
    ) -> Self:
        """`binder.bind(service_type, implementation)`: a class is built (with `scope` as its
        lifetime), anything else is that object. Without an implementation (or `to=`),
        `service_type` is bound to itself."""
        value = implementation if implementation is not None else to
        if value is None:
            self._steps.append(lambda binder: binder.bind(service_type, scope=scope))
        else:
            self._steps.append(lambda binder: binder.bind(service_type, value, scope=scope))
        return self

    def bind_instance(self, service_type: Any, instance: Any) -> Self:
        """`binder.bind_instance(service_type, instance)`: that object, even a class."""
        self._steps.append(lambda binder: binder.bind_instance(service_type, instance))
        return self

    def bind_factory(
        self, service_type: Any, factory: Callable[..., Any], scope: str | None = None
    ) -> Self:
        """`binder.bind_factory(service_type, factory)`: its parameters are injected."""
        self._steps.append(lambda binder: binder.bind_factory(service_type, factory, scope=scope))
        return self

    def configure(self, binder: Binder) -> None:
        """Make the recorded bindings, in the order they were chained."""
        for step in self._steps:
            step(binder)


class ConfigurationModule(Module):
    """Binds each entry of a configuration mapping as an instance under its key.

    A key that is neither a string nor a type is bound under `str(key)`. Values reach
    plain-typed parameters by name: `db_url: str` receives `config["db_url"]`.
    """

    def __init__(self, config_dict: Mapping[Any, Any]) -> None:
        self.config = config_dict

    def configure(self, binder: Binder) -> None:
        """Bind every configuration value."""
        for key, value in self.config.items():
            binder.bind_instance(key if isinstance(key, str | type) else str(key), value)


class ProviderModule(Module):
    """A Module of `@provider` methods: each one's return annotation is the key it provides,
    and its parameters are injected. (Every `Module` installs its `@provider` methods; this
    class names that use.)"""
