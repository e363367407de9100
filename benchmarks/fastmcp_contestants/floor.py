"""No injection at all: the tool builds its Session and uses a module-level Settings.

This is the cheapest correct way to give a call a fresh object and a shared one, and the
floor every other contestant's calls are compared with.
"""

from _fastmcp_harness import FastmcpCase
from _unit_model import Session, Settings, item_payload
from fastmcp import FastMCP

SETTINGS = Settings()


def build() -> FastmcpCase:
    mcp = FastMCP("bench")

    @mcp.tool
    async def item(item_id: int) -> dict[str, int]:
        return item_payload(item_id, Session(SETTINGS), SETTINGS)

    return FastmcpCase(mcp, "Session(SETTINGS) in the tool, module-level Settings")
