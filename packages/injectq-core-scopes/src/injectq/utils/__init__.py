"""`injectq.utils`: the import paths injectq 0.5.0 had (its exception names)."""

from .exceptions import (
    AlreadyRegisteredError,
    AsyncFactoryError,
    BindingError,
    CaptiveDependencyError,
    CircularDependencyError,
    DependencyNotFoundError,
    FinalizationError,
    InjectionError,
    InjectQError,
    MissingBindingError,
    PropagationError,
    ScopeError,
    ValidationError,
)

__all__ = [
    "AlreadyRegisteredError",
    "AsyncFactoryError",
    "BindingError",
    "CaptiveDependencyError",
    "CircularDependencyError",
    "DependencyNotFoundError",
    "FinalizationError",
    "InjectQError",
    "InjectionError",
    "MissingBindingError",
    "PropagationError",
    "ScopeError",
    "ValidationError",
]
