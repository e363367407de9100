"""InjectQ: typed dependency injection with correct scopes for APIs, workers and MCP servers."""

from ._container import ContainerContext, InjectQ
from ._context import Deferred
from ._errors import (
    AsyncFactoryError,
    BindingError,
    CaptiveDependencyError,
    CircularDependencyError,
    FinalizationError,
    InjectQError,
    MissingBindingError,
    PropagationError,
    ScopeError,
    ValidationError,
)
from ._frameworks import add_framework_marker
from ._inject import inject
from ._injector import Injector
from ._lifespan import Lifespan
from ._lifetimes import ScopeType, scoped, singleton, transient
from ._module import Binder, Module, provider
from ._parameters import (
    Inject,
    InjectedParameter,
    is_marker,
    marked_parameters,
    read_parameters,
    unwrap_optional,
)
from ._scope import Scope, ScopeOpener
from ._validation import EntryPoint, ValidationWarning

# injectq 0.5.0's names (its documented API, as faces of this project's own; see
# docs/migration.md): importable from here as they were, outside this project's `__all__`
from .components import Component as Component
from .components import ComponentBinding as ComponentBinding
from .components import ComponentContainer as ComponentContainer
from .components import ComponentError as ComponentError
from .components import ComponentInterface as ComponentInterface
from .components import ComponentRegistry as ComponentRegistry
from .components import ComponentScope as ComponentScope
from .components import ComponentState as ComponentState
from .decorators.resource import async_managed_resource as async_managed_resource
from .decorators.resource import get_resource_manager as get_resource_manager
from .decorators.resource import managed_resource as managed_resource
from .decorators.resource import resource as resource
from .decorators.singleton import register_as as register_as
from .diagnostics import DependencyProfiler as DependencyProfiler
from .diagnostics import DependencyValidator as DependencyValidator
from .diagnostics import DependencyVisualizer as DependencyVisualizer
from .modules import ConfigurationModule as ConfigurationModule
from .modules import ProviderModule as ProviderModule
from .modules import SimpleModule as SimpleModule
from .utils.exceptions import AlreadyRegisteredError, DependencyNotFoundError, InjectionError
from .utils.logging import logger as logger
from .utils.protocols import AsyncFactory as AsyncFactory
from .utils.protocols import AsyncProvider as AsyncProvider
from .utils.protocols import AsyncResourceProvider as AsyncResourceProvider
from .utils.protocols import Configurable as Configurable
from .utils.protocols import Factory as Factory
from .utils.protocols import Injectable as Injectable
from .utils.protocols import Provider as Provider
from .utils.protocols import Resolvable as Resolvable
from .utils.protocols import ResourceProvider as ResourceProvider
from .utils.protocols import ScopeAware as ScopeAware
from .utils.types import ServiceFactory as ServiceFactory
from .utils.types import ServiceKey as ServiceKey

__all__ = [
    "AlreadyRegisteredError",
    "AsyncFactoryError",
    "Binder",
    "BindingError",
    "CaptiveDependencyError",
    "CircularDependencyError",
    "ContainerContext",
    "Deferred",
    "DependencyNotFoundError",
    "EntryPoint",
    "FinalizationError",
    "Inject",
    "InjectQ",
    "InjectQError",
    "InjectedParameter",
    "InjectionError",
    "Injector",
    "Lifespan",
    "MissingBindingError",
    "Module",
    "PropagationError",
    "Scope",
    "ScopeError",
    "ScopeOpener",
    "ScopeType",
    "ValidationError",
    "ValidationWarning",
    "add_framework_marker",
    "inject",
    "is_marker",
    "marked_parameters",
    "provider",
    "read_parameters",
    "scoped",
    "singleton",
    "transient",
    "unwrap_optional",
]
