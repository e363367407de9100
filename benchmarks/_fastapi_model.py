"""The services every FastAPI contestant injects, and the response body they all return.

Every object gets a serial number when it is built, so the check can tell objects apart in
the JSON a request returns: a ``Session`` (one per request) counts up from 1, the
``Settings`` singleton counts down from -1, so a contestant that injects the wrong kind of
object is caught too. Serials are never reused, unlike ``id()`` of freed objects.

Annotations are real classes (no ``from __future__ import annotations``): FastAPI, dishka,
wireup and InjectQ read signatures and ``__init__`` type hints at run time.
"""

from itertools import count

_session_serials = count(1)
_settings_serials = count(-1, -1)

ITEM_ID = 42
"""The path parameter every request sends: ``GET /items/42``."""


class Settings:
    """The singleton: one per app, shared by every request."""

    def __init__(self) -> None:
        self.serial = next(_settings_serials)


class Session:
    """The request-scoped service: one per request, built from the ``Settings`` singleton."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serial = next(_session_serials)


def item_body(item_id: int, session: Session, settings: Settings) -> dict[str, int]:
    """What every contestant's endpoint returns (FastAPI encodes it as JSON)."""
    return {
        "item_id": item_id,
        "session": session.serial,
        "session_settings": session.settings.serial,
        "settings": settings.serial,
    }
