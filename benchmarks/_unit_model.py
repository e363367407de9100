"""The services every FastAPI and FastMCP contestant injects, the payload they all return,
and the check of two such payloads.

Every object gets a serial number when it is built, so the check can tell objects apart in
what a request or tool call returns: a ``Session`` (one per unit of work) counts up from 1,
the ``Settings`` singleton counts down from -1, so a contestant that injects the wrong kind
of object is caught too. Serials are never reused, unlike ``id()`` of freed objects.

Annotations are real classes (no ``from __future__ import annotations``): the frameworks,
dishka, wireup and InjectQ read signatures and ``__init__`` type hints at run time.
"""

from itertools import count
from typing import Any

from _suite import expect

_session_serials = count(1)
_settings_serials = count(-1, -1)

ITEM_ID = 42
"""The item id every unit of work is sent: ``GET /items/42``, or ``{"item_id": 42}``."""


class Settings:
    """The singleton: one per app or server, shared by every unit of work."""

    def __init__(self) -> None:
        self.serial = next(_settings_serials)


class Session:
    """The scoped service: one per request or tool call, built from the ``Settings``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serial = next(_session_serials)


def item_payload(item_id: int, session: Session, settings: Settings) -> dict[str, int]:
    """What every contestant's endpoint or tool returns."""
    return {
        "item_id": item_id,
        "session": session.serial,
        "session_settings": session.settings.serial,
        "settings": settings.serial,
    }


def check_payloads(payloads: list[dict[str, Any]], *, giver: str, unit: str) -> None:
    """Two units of work's payloads: the item id; each had a Session of its own, built from
    the Settings singleton that both were given. `giver` is "the endpoint" or "the tool",
    `unit` is "request" or "call"."""
    keys = {"item_id", "session", "session_settings", "settings"}
    for payload in payloads:
        expect(set(payload) == keys, f"{giver} returned keys {sorted(payload)}, not {sorted(keys)}")
        expect(payload["item_id"] == ITEM_ID, f"item_id {payload['item_id']!r}, not {ITEM_ID}")
        expect(payload["session"] > 0, f"{giver} was given something else for its Session")
        expect(payload["settings"] < 0, f"{giver} was given something else for its Settings")
        expect(
            payload["session_settings"] == payload["settings"],
            "the Session was built with another Settings than the singleton",
        )
    one, two = payloads
    expect(one["session"] != two["session"], f"two {unit}s shared one Session (not one per {unit})")
    expect(one["settings"] == two["settings"], f"the Settings singleton differs between {unit}s")
