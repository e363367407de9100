"""InjectQ: typed dependency injection with correct scopes for APIs, workers and MCP servers."""

from ._container import InjectQ
from ._errors import (
    AsyncFactoryError,
    BindingError,
    CaptiveDependencyError,
    CircularDependencyError,
    FinalizationError,
    InjectQError,
    MissingBindingError,
    ScopeError,
    ValidationError,
)
from ._inject import Inject, inject
from ._lifetimes import scoped, singleton, transient
from ._module import Binder, Module, provider
from ._propagation import PropagationError
from ._scope import Scope
from ._validation import EntryPoint, ValidationWarning

__all__ = [
    "AsyncFactoryError",
    "Binder",
    "BindingError",
    "CaptiveDependencyError",
    "CircularDependencyError",
    "EntryPoint",
    "FinalizationError",
    "Inject",
    "InjectQ",
    "InjectQError",
    "MissingBindingError",
    "Module",
    "PropagationError",
    "Scope",
    "ScopeError",
    "ValidationError",
    "ValidationWarning",
    "inject",
    "provider",
    "scoped",
    "singleton",
    "transient",
]
