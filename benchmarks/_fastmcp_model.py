"""The services every FastMCP contestant injects, and the result every tool returns.

Every object gets a serial number when it is built, so the check can tell objects apart in
the result a call returns: a ``Session`` (one per tool call) counts up from 1, the
``Settings`` singleton counts down from -1, so a contestant that injects the wrong kind of
object is caught too. Serials are never reused, unlike ``id()`` of freed objects.

Annotations are real classes (no ``from __future__ import annotations``): FastMCP, dishka
and InjectQ read signatures and ``__init__`` type hints at run time.
"""

from itertools import count

_session_serials = count(1)
_settings_serials = count(-1, -1)

TOOL = "item"
"""The name every contestant's tool is registered under."""

ITEM_ID = 42
"""The one argument every call sends: ``{"item_id": 42}``."""


class Settings:
    """The singleton: one per server, shared by every call."""

    def __init__(self) -> None:
        self.serial = next(_settings_serials)


class Session:
    """The call-scoped service: one per tool call, built from the ``Settings`` singleton."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serial = next(_session_serials)


def item_result(item_id: int, session: Session, settings: Settings) -> dict[str, int]:
    """What every contestant's tool returns (FastMCP sends it as structured content)."""
    return {
        "item_id": item_id,
        "session": session.serial,
        "session_settings": session.settings.serial,
        "settings": settings.serial,
    }
