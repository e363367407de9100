"""`injectq.integrations.fastapi`: the public names of the injectq-fastapi wheel.

Also injectq 0.5.0's names of its FastAPI integration (`InjectQRequestMiddleware`,
`get_container_fastapi`, `_request_container`), as faces of the adapter's own machinery; they
are importable by name but not part of `__all__`, which is exactly the wheel's.
"""

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
    from injectq_fastapi._upstream import (
        InjectQRequestMiddleware as InjectQRequestMiddleware,
    )
    from injectq_fastapi._upstream import get_container_fastapi as get_container_fastapi
    from injectq_fastapi._upstream import request_container
except ModuleNotFoundError as error:
    if error.name not in {"injectq_fastapi", "fastapi", "starlette"}:
        raise
    from ._require import missing_wheel

    raise missing_wheel("fastapi", "injectq-fastapi", error) from error

#: 0.5.0's name of the context variable holding the container serving the request
_request_container = request_container

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
