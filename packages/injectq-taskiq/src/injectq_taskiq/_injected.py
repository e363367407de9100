"""Which parameters of a task function InjectQ injects (they are never the sender's to give)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from injectq import InjectedParameter


def supplied_injected(
    injected: tuple[InjectedParameter, ...],
    args: tuple[Any, ...] | list[Any],
    kwargs: dict[str, Any],
) -> list[str]:
    """The injected parameters that `args` / `kwargs` already give a value for."""
    if not injected or (not kwargs and not args):
        return []
    count = len(args)
    return [
        parameter.name
        for parameter in injected
        if parameter.name in kwargs
        or (parameter.position is not None and parameter.position < count)
    ]
