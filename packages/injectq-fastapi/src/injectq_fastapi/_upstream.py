"""The names injectq 0.5.0 gave its FastAPI integration, as faces of this adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._dependency import InjectQDependency
from ._setup import setup_fastapi_integration

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI

    from injectq import InjectQ

T = TypeVar("T")


def setup_fastapi(container: InjectQ, app: FastAPI) -> None:
    """`setup_fastapi_integration(app, container)`, with 0.5.0's argument order."""
    setup_fastapi_integration(app, container)


def InjectFastAPI(interface: Callable[..., T]) -> T:  # noqa: N802
    """`Annotated[T, InjectFastAPI(T)]`: `InjectQDependency(T)` under 0.5.0's name."""
    return InjectQDependency(interface)


InjectAPI = InjectFastAPI
