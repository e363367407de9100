"""InjectQ's FastMCP adapter: ``setup_fastmcp_integration`` and ``Inject[T]`` parameters.

The adapter's middleware (first in the chain) opens one InjectQ scope per tool call; the
Session is bound ``scoped`` (one per call, autowired from its ``__init__``), the Settings
``singleton``. The tool is registered after the setup, as the adapter's guide does it: the
adapter gives it its own resolving wrapper when the server starts.
"""

from _fastmcp_harness import FastmcpCase
from _unit_model import Session, Settings, item_payload
from fastmcp import FastMCP

from injectq import InjectQ
from injectq.integrations.fastmcp import Inject, setup_fastmcp_integration


def build() -> FastmcpCase:
    container = InjectQ()
    container.bind(Settings, Settings, scope="singleton")
    container.bind(Session, Session, scope="scoped")
    mcp = FastMCP("bench")
    setup_fastmcp_integration(mcp, container)

    @mcp.tool
    async def item(
        item_id: int, session: Inject[Session], settings: Inject[Settings]
    ) -> dict[str, int]:
        return item_payload(item_id, session, settings)

    return FastmcpCase(mcp, "scoped Session, singleton Settings, Inject[T] parameters")
