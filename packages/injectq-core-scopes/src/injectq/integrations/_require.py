"""The ImportError raised when an integration's wheel is missing."""

from __future__ import annotations


def missing_wheel(integration: str, wheel: str, error: ModuleNotFoundError) -> ImportError:
    message = (
        f"injectq.integrations.{integration} needs the {wheel} wheel, which is not installed: "
        f"pip install {wheel} (or: uv add {wheel})"
    )
    missing = ImportError(message, name=error.name)
    missing.__cause__ = error
    return missing
