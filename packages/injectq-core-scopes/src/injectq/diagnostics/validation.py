"""`injectq.diagnostics.validation`: injectq 0.5.0's validator API, as a face of this project's
own `container.validate()`.

`DependencyValidator(container).validate()` runs `container.validate()` and returns what it
found as a `ValidationResult` instead of raising: each problem becomes an entry of `errors`
(a `MissingDependencyError` for a key nothing provides, an `InvalidBindingError` for a bad
binding, a `ValidationError` for a cycle, a captive dependency or a scope problem), with the
container's own error as its `__cause__`; each `ValidationWarning` is an entry of `warnings`.
The rules are this project's: a class that can be autowired is not missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import BindingError, InjectQError, MissingBindingError
from .._errors import ValidationError as ContainerValidationError
from ._paths import dependency_chain, find_cycles

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .._container import InjectQ

__all__ = [
    "DependencyValidator",
    "InvalidBindingError",
    "MissingDependencyError",
    "TypeMismatchError",
    "ValidationError",
    "ValidationResult",
]


class ValidationError(InjectQError):
    """One problem in a `ValidationResult` (not `injectq.ValidationError`, which
    `container.validate()` raises with every problem in it)."""


class MissingDependencyError(ValidationError):
    """A key is needed that nothing provides (not bound, not a context value, not autowirable)."""


class InvalidBindingError(ValidationError):
    """A binding that cannot be used as it stands."""


class TypeMismatchError(ValidationError):
    """What a binding provides is not of the type it is bound as (injectq 0.5.0's name; this
    project refuses such a binding when it is made)."""


class ValidationResult:
    """What `DependencyValidator.validate()` found: `errors` (the container cannot work as
    configured) and `warnings` (suspicious, not wrong)."""

    def __init__(
        self,
        errors: Iterable[Exception] | None = None,
        warnings: Iterable[Exception] | None = None,
    ) -> None:
        self.errors: list[Exception] = list(errors or ())
        self.warnings: list[Exception] = list(warnings or ())

    @property
    def is_valid(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    @property
    def has_warnings(self) -> bool:
        return bool(self.warnings)

    def __str__(self) -> str:
        lines = ["✅ Validation passed" if self.is_valid else "❌ Validation failed"]
        for title, entries in (("Errors", self.errors), ("Warnings", self.warnings)):
            if entries:
                lines.append(f"\n{title} ({len(entries)}):")
                lines.extend(f"  {number}. {entry}" for number, entry in enumerate(entries, 1))
        return "\n".join(lines)


class DependencyValidator:
    """Checks a container's configuration before any traffic, returning a `ValidationResult`.

    ```python
    result = DependencyValidator(container).validate()
    if not result.is_valid:
        for error in result.errors:
            print(error)
    ```
    """

    def __init__(self, container: InjectQ | None = None) -> None:
        self.container = container

    def set_container(self, container: InjectQ) -> None:
        self.container = container

    def validate(self, *, entry_points: Iterable[object] = ()) -> ValidationResult:
        """`container.validate(entry_points=...)`, its problems listed rather than raised."""
        if self.container is None:
            return ValidationResult(errors=[ValidationError("No container set for validation")])
        try:
            warnings = self.container.validate(entry_points=entry_points)
        except ContainerValidationError as failed:
            return ValidationResult(errors=_entries(failed.errors))
        except InjectQError as error:
            return ValidationResult(errors=_entries([error]))
        return ValidationResult(warnings=warnings)

    def get_dependency_graph(self) -> dict[Any, set[Any]]:
        """Each bound key, and each key they need, with the keys injected into it."""
        return {key: set(needs) for key, needs in self._graph().items()}

    def get_dependency_chain(self, service_key: Any) -> list[Any]:
        """`service_key` and every key it needs, directly or not, each once."""
        return dependency_chain(self._graph(), service_key)

    def find_potential_cycles(self) -> list[list[Any]]:
        """The cycles of the graph, each as a closed path (`[A, B, A]`); `validate()` reports
        them too."""
        return find_cycles(self._graph())

    def _graph(self) -> dict[Any, list[Any]]:
        if self.container is None:
            return {}
        return self.container.get_dependency_graph()


def _entries(errors: Sequence[InjectQError]) -> list[Exception]:
    return [_entry(error) for error in errors]


def _entry(error: InjectQError) -> ValidationError:
    """The result entry of one of the container's problems, keeping its path and fix."""
    kind = ValidationError
    if isinstance(error, MissingBindingError):
        kind = MissingDependencyError
    elif isinstance(error, BindingError):
        kind = InvalidBindingError
    entry = kind(error.problem, path=error.path, fix=error.fix)
    entry.entry_points = error.entry_points
    entry.__cause__ = error
    return entry
