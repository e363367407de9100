"""A real uvicorn server for a FastAPI app, on a free loopback port, in the test's event loop.

    async with serving(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            ...

The server runs the app's lifespan, and logs through the standard `logging` tree
(`log_config=None`), so `caplog` sees what uvicorn reports ("Exception in ASGI application").
Leaving the block shuts the server down gracefully: open connections are closed and running
requests finish first.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 and a free port; yields the base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))  # the port is ours from here on: no race with others
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None))
    running = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if running.done():
                    await running  # the startup failed: raise why
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(running, 10)
        listener.close()
