"""`Deferred`: a scope context value made the first time something asks for it.

An adapter gives each unit of work its framework's objects as context values (a `Request`, a
`WebSocket`); most units never inject them, and building one per unit costs more than the rest
of the scope. `Deferred(Request, scope, receive, send)` is what `Request(scope, receive, send)`
would be, made on first use and kept in the scope (a `functools.partial`: making one runs no
Python code).
"""

from __future__ import annotations

import functools
from typing import Any


class Deferred(functools.partial[Any]):
    """A context value, given to `container.opener()`'s scopes, made when first injected."""

    __slots__ = ()
