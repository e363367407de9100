"""FastMCP's own dependency injection: ``fastmcp.dependencies.Depends`` on async functions.

``get_settings`` returns the one ``Settings`` made when the server is built; ``get_session``
builds a ``Session`` from it. They are declared as ``Annotated[T, Depends(f)]``, which
FastMCP's engine (uncalled-for) treats like a ``= Depends(f)`` default: it resolves each
dependency function once per call, caches its value for that call, and hides the injected
parameters from the tool's schema. Neither function is a generator: the Session has nothing
to clean up (``Depends`` on an async generator function would inject the generator object
itself unless wrapped with ``asynccontextmanager``).
"""

from typing import Annotated

from _fastmcp_harness import FastmcpCase
from _unit_model import Session, Settings, item_payload
from fastmcp import FastMCP
from fastmcp.dependencies import Depends


def build() -> FastmcpCase:
    settings = Settings()

    async def get_settings() -> Settings:
        return settings

    async def get_session(settings: Annotated[Settings, Depends(get_settings)]) -> Session:
        return Session(settings)

    mcp = FastMCP("bench")

    @mcp.tool
    async def item(
        item_id: int,
        session: Annotated[Session, Depends(get_session)],
        settings: Annotated[Settings, Depends(get_settings)],
    ) -> dict[str, int]:
        return item_payload(item_id, session, settings)

    return FastmcpCase(mcp, "Depends on async functions, no yield; Settings from a closure")
