"""The exception names of injectq 0.5.0, as names of this project's errors.

`DependencyNotFoundError` is `MissingBindingError`, `AlreadyRegisteredError` is
`BindingError`, and `InjectionError` is `InjectQError` (every error InjectQ raises), so that
`except` clauses written for 0.5.0 catch what they meant. An exception a factory raises on
purpose (FastAPI's `HTTPException`) is never wrapped: it reaches the framework as itself.
"""

from injectq._errors import (
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

DependencyNotFoundError = MissingBindingError
AlreadyRegisteredError = BindingError
InjectionError = InjectQError

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
