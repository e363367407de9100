"""The contestants of the FastMCP suite, in table order.

Each module here defines ``build() -> FastmcpCase | NotAvailable``: a FastMCP server set up
the way its library's documentation does (middleware, lifespan, tool decorators), with one
async tool ``item(item_id: int)`` that is given a call-scoped ``Session`` and the
``Settings`` singleton and returns ``_unit_model.item_payload(...)``. The suite calls the
tool and runs the server's lifespan in the same way for everyone; see ``_fastmcp_harness``.
"""

from _suite import Contestant

FLOOR = "no injection"
"""The name of the contestant every other one is compared with."""

FASTMCP_CONTESTANTS: tuple[Contestant, ...] = (
    Contestant("floor", FLOOR, None, is_peer=False),
    Contestant("injectq_", "injectq", "injectq-fastmcp", is_peer=False),
    Contestant("fastmcp_depends", "fastmcp-depends", "fastmcp", is_peer=True),
    Contestant("dishka_", "dishka", "dishka-fastmcp", is_peer=True),
)
