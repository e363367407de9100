"""FastAPI's own dependency injection: ``Depends`` on plain (non-yield) async functions.

``get_settings`` returns the one ``Settings`` made when the app is built; ``get_session``
builds a ``Session`` from it. FastAPI calls each dependency function once per request and
caches its value for that request. Both are ``async def``: a plain ``def`` dependency runs in
the thread pool, and neither needs a ``yield`` (the Session has nothing to clean up).
"""

from typing import Annotated

from _fastapi_harness import FastapiCase
from _unit_model import Session, Settings, item_payload
from fastapi import Depends, FastAPI


def build() -> FastapiCase:
    settings = Settings()

    async def get_settings() -> Settings:
        return settings

    async def get_session(
        settings: Annotated[Settings, Depends(get_settings)],
    ) -> Session:
        return Session(settings)

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: int,
        session: Annotated[Session, Depends(get_session)],
        settings: Annotated[Settings, Depends(get_settings)],
    ):
        return item_payload(item_id, session, settings)

    return FastapiCase(app, "async def dependency functions, no yield; Settings from a closure")
