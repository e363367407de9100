"""`injectq.integrations.fastapi`: the public names of the injectq-fastapi wheel."""

from __future__ import annotations

try:
    from injectq_fastapi import (
        Inject,
        InjectAPI,
        InjectFastAPI,
        InjectQDependency,
        InjectQDepends,
        InjectQMiddleware,
        route_entry_points,
        setup_fastapi,
        setup_fastapi_integration,
    )
except ModuleNotFoundError as error:
    if error.name not in {"injectq_fastapi", "fastapi", "starlette"}:
        raise
    from ._require import missing_wheel

    raise missing_wheel("fastapi", "injectq-fastapi", error) from error

__all__ = [
    "Inject",
    "InjectAPI",
    "InjectFastAPI",
    "InjectQDependency",
    "InjectQDepends",
    "InjectQMiddleware",
    "route_entry_points",
    "setup_fastapi",
    "setup_fastapi_integration",
]
