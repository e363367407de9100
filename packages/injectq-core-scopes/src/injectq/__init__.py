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
from .utils.exceptions import AlreadyRegisteredError, DependencyNotFoundError, InjectionError

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
