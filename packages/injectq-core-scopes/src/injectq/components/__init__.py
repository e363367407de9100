"""injectq 0.5.0's `injectq.components`, as a face of this project's own container.

Components are units with a lifecycle (configure, start, stop, destroy) that declare the
interfaces they provide and require. A `ComponentContainer` is an `InjectQ` container that
binds each provided interface to the component's one instance and starts components in the
order their requirements give. A component's own instances (`component.scope`) are the
singletons of a private container, closed when the component is destroyed.
"""

from ._component import Component
from ._container import ComponentContainer
from ._lifecycle import ComponentError, ComponentInterface, ComponentState
from ._registry import ComponentBinding, ComponentRegistry
from ._scope import ComponentScope

__all__ = [
    "Component",
    "ComponentBinding",
    "ComponentContainer",
    "ComponentError",
    "ComponentInterface",
    "ComponentRegistry",
    "ComponentScope",
    "ComponentState",
]
