"""No injection at all: the endpoint builds its Session and uses a module-level Settings.

This is the cheapest correct way to give a request a fresh object and a shared one, and the
floor every other contestant's requests per second are divided by.
"""

from _fastapi_harness import FastapiCase
from _unit_model import Session, Settings, item_payload
from fastapi import FastAPI

SETTINGS = Settings()


def build() -> FastapiCase:
    app = FastAPI()

    # no return annotation on any contestant's endpoint: FastAPI would validate every body
    @app.get("/items/{item_id}")
    async def read_item(item_id: int):
        return item_payload(item_id, Session(SETTINGS), SETTINGS)

    return FastapiCase(app, "Session(SETTINGS) in the endpoint, module-level Settings")
