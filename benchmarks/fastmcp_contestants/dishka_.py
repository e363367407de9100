"""dishka's FastMCP integration (the dishka-fastmcp package): ``setup_dishka``, ``@inject``
and ``FromDishka[T]``.

The Session is provided in ``Scope.REQUEST`` (``@inject`` opens and closes a request
container around each call, from the root container that ``setup_dishka``'s middleware
publishes), the Settings in ``Scope.APP``; ``dishka_lifespan`` closes the container when the
server's lifespan ends, as the package's documentation sets it up. ``@inject`` sits below
``@mcp.tool`` so that FastMCP builds the schema from the signature without the injected
parameters.
"""

from _fastmcp_harness import FastmcpCase
from _unit_model import Session, Settings, item_payload
from dishka import Provider, Scope, make_async_container
from dishka_fastmcp import FromDishka, dishka_lifespan, inject, setup_dishka
from fastmcp import FastMCP


def build() -> FastmcpCase:
    provider = Provider()
    provider.provide(Settings, scope=Scope.APP)
    provider.provide(Session, scope=Scope.REQUEST)
    container = make_async_container(provider)
    mcp = FastMCP("bench", lifespan=dishka_lifespan(container))
    setup_dishka(container, mcp)

    @mcp.tool
    @inject
    async def item(
        item_id: int, session: FromDishka[Session], settings: FromDishka[Settings]
    ) -> dict[str, int]:
        return item_payload(item_id, session, settings)

    return FastmcpCase(mcp, "REQUEST-scoped Session, APP-scoped Settings, @inject")
