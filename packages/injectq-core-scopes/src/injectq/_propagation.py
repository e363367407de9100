"""Context that travels with the work a unit of work hands off (an HTTP request's task).

A key declared with `container.propagate(Key)` is exported from the sender's active scope as
plain JSON text (`export_context`) and imported into the receiver's scope
(`import_context`): a correlation id, a tenant, the acting user. Only declared keys travel,
only plain data (str, int, float, bool, None, lists, string-keyed dicts) is accepted, every
value has a size limit, and an imported value is rebuilt and type-checked before it is used:
a malformed or forged value is an error, never a service.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ._errors import InjectQError, MissingBindingError, PropagationError, ScopeError
from ._keys import check_key, key_name
from ._lifetimes import SCOPED
from ._plain_data import (
    MAX_NESTING,
    dataclass_loader,
    dump_dataclass,
    dump_model,
    dump_scalar,
    model_loader,
    not_plain,
    scalar_loader,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from ._graph import Node
    from ._providers import Provider
    from ._scope import Scope

#: the prefix of every propagated value's name in a message (e.g. a taskiq label)
PREFIX: Final = "injectq_ctx:"
DEFAULT_MAX_BYTES: Final = 4096


@dataclass(frozen=True, slots=True)
class Propagated:
    """One declared key: its name on the wire, how to turn it into plain data and back."""

    key: Any
    name: str
    max_bytes: int
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]


def declare(key: object, name: str | None, max_bytes: int) -> Propagated:
    """Check that `key` can travel as plain data; describe how."""
    label = name if name is not None else key_name(key)
    if not label or any(c.isspace() for c in label):
        raise PropagationError(
            f"{label!r} is not a usable name for propagated {key_name(key)}",
            fix="pass name='tenant' (no spaces)",
        )
    if max_bytes <= 0:
        raise PropagationError(
            f"max_bytes must be positive, got {max_bytes}", fix="e.g. max_bytes=4096"
        )
    supertype: object = getattr(key, "__supertype__", None)  # typing.NewType
    scalar: object = supertype if supertype is not None else key
    if isinstance(key, type) and dataclasses.is_dataclass(key):
        return Propagated(key, label, max_bytes, dump_dataclass, dataclass_loader(key))
    if isinstance(key, type) and callable(getattr(key, "model_validate", None)):
        return Propagated(key, label, max_bytes, dump_model, model_loader(key))
    for plain in (str, int, float, bool):
        if scalar is plain:
            return Propagated(key, label, max_bytes, dump_scalar, scalar_loader(key, plain))
    name_of_key = label
    raise PropagationError(
        f"{name_of_key} cannot be propagated: only dataclasses, pydantic models and "
        "str/int/float/bool NewTypes travel, as plain data",
        path=(name_of_key,),
        fix="put the values that should travel in a dataclass of plain fields "
        "(e.g. RequestContext(correlation_id: str, tenant: str))",
    )


def encode(entry: Propagated, value: Any) -> str:
    """The value as JSON text, after checking it is plain data within the size limit."""
    try:
        data = entry.dump(value)
    except (ValueError, RecursionError) as error:  # pydantic: too deep, or a cycle
        raise _not_plain_to_send(entry, str(error)) from error
    problem = not_plain(data, entry.name)
    if problem:
        raise _not_plain_to_send(entry, problem)
    try:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as error:  # an int of more digits than Python will print
        raise _not_plain_to_send(entry, str(error)) from None
    size = len(text.encode())
    if size > entry.max_bytes:
        raise PropagationError(
            f"propagated {entry.name} is {size} bytes; the limit is {entry.max_bytes}",
            path=(key_name(entry.key),),
            fix="propagate identifiers, not payloads (or raise max_bytes in propagate())",
        )
    return text


def _not_plain_to_send(entry: Propagated, problem: str) -> PropagationError:
    return PropagationError(
        f"propagated {entry.name} is not plain data: {problem}",
        path=(key_name(entry.key),),
        fix="keep only str, int, float, bool, None, lists and string-keyed dicts in it, "
        f"nested at most {MAX_NESTING} levels deep",
    )


def decode(entry: Propagated, text: object) -> Any:
    """Rebuild a value from its JSON text, rejecting anything malformed."""
    if not isinstance(text, str):
        raise PropagationError(
            f"propagated {entry.name} arrived as {type(text).__name__}, not text",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        )
    if len(text.encode()) > entry.max_bytes:
        raise PropagationError(
            f"propagated {entry.name} is larger than its limit of {entry.max_bytes} bytes",
            path=(key_name(entry.key),),
            fix="the sender must keep propagated values small",
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PropagationError(
            f"propagated {entry.name} is not valid JSON: {error}",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        ) from None
    except RecursionError:  # nested deeper than the decoder recurses; far beyond the limit
        raise PropagationError(
            f"propagated {entry.name} is not plain data: it nests lists and dicts more "
            f"than {MAX_NESTING} levels deep",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        ) from None
    problem = not_plain(data, entry.name)
    if problem:
        raise PropagationError(
            f"propagated {entry.name} is not plain data: {problem}",
            path=(key_name(entry.key),),
            fix="send it with export_context() on the sending side",
        )
    try:
        return entry.load(data)
    except Exception as error:
        problem = error.problem if isinstance(error, PropagationError) else str(error)
        raise PropagationError(
            f"propagated {entry.name} does not fit {key_name(entry.key)}: {problem}",
            path=(key_name(entry.key),),
            fix="sender and receiver must run the same definition of it",
        ) from None


def label_of(entry: Propagated) -> str:
    return f"{PREFIX}{entry.name}"


def import_(entries: Mapping[Any, Propagated], carried: Mapping[str, object]) -> dict[Any, Any]:
    by_label = {label_of(entry): entry for entry in entries.values()}
    values: dict[Any, Any] = {}
    for label, text in carried.items():
        entry = by_label.get(label)
        if entry is not None:
            values[entry.key] = decode(entry, text)
    return values


class Propagation:
    """The keys declared with `container.propagate()`, by key."""

    def __init__(self) -> None:
        self.entries: dict[Any, Propagated] = {}

    def declare(self, key: Any, name: str | None, max_bytes: int, bound: Provider | None) -> None:
        check_key(key, action="propagate")
        entry = declare(key, name, max_bytes)
        for other in self.entries.values():
            if other.name == entry.name and other.key != key:
                raise PropagationError(
                    f"{key_name(key)} and {key_name(other.key)} would both travel as "
                    f"{entry.name!r}",
                    fix="give one of them another name=",
                )
        if bound is not None:
            check_propagated_lifetime(bound)
        self.entries[key] = entry

    def export(self, source: Scope | None) -> dict[str, str]:
        """The propagated values `source` can provide, as plain JSON text by label."""
        if source is None or source.parent is None or not self.entries:
            return {}
        carried: dict[str, str] = {}
        for key, entry in list(self.entries.items()):
            try:
                value = source.get(key)
            except (ScopeError, MissingBindingError):
                continue
            carried[label_of(entry)] = encode(entry, value)
        return carried

    def import_(self, carried: Mapping[str, object]) -> dict[Any, Any]:
        if not self.entries:
            return {}
        return import_(self.entries, carried)

    def needed(self, node_of: Callable[[Any], Node], keys: Iterable[Any]) -> frozenset[Any]:
        """The declared keys that resolving `keys` reaches (not looking past them)."""
        entries = self.entries
        if not entries:
            return frozenset()
        found: set[Any] = set()
        visited: set[int] = set()
        stack: list[Node] = []
        for key in keys:
            if key in entries:
                found.add(key)
                continue
            try:
                stack.append(node_of(key))
            except InjectQError:
                continue  # a broken graph is validation's to report
        while stack:
            node = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            for dependency, argument in node.arguments:
                if argument is None or dependency.optional:
                    continue
                if argument.key in entries:
                    found.add(argument.key)
                else:
                    stack.append(argument)
        return frozenset(found)

    def require(
        self,
        exported: Mapping[str, str],
        needed: Iterable[Any],
        source: Scope | None,
        receiver: str,
        carried: Mapping[str, object],
    ) -> None:
        """Raise when a value `receiver` needs is neither among what `source` could export
        nor already `carried` by the message."""
        missing: list[Any] = []
        for key in needed:
            label = label_of(self.entries[key])
            if label not in exported and label not in carried:
                missing.append(key)
        if not missing:
            return
        names = ", ".join(key_name(key) for key in missing)
        if source is None or source.parent is None:
            sender = "code outside any unit of work"
        elif source.closed:
            sender = f"{source.label}, which has already closed"
        else:
            sender = source.label
        raise PropagationError(
            f"{receiver} needs {names}, a propagated value, but the sender ({sender}) cannot "
            "supply it, so it would fail where it runs",
            path=(receiver, *(key_name(key) for key in missing)),
            fix=f"send it from inside a unit of work that provides {names} (while it is "
            f"open), or open one for the send: with container.scope(context={{{names}: "
            "value}): ...",
        )


def check_propagated_lifetime(provider: Provider) -> None:
    # the receiving unit of work (a task, a tool call) gets the value as its own scope's:
    # a singleton, or a scope name that only the sender has, could not hold it there
    if provider.lifetime != SCOPED:
        name = key_name(provider.key)
        raise PropagationError(
            f"{name} is propagated, so each unit of work that receives it holds its own "
            f"value; it cannot be bound as {provider.lifetime}",
            path=(name,),
            fix=f"bind {name} with scope='scoped' (in an API that is the request's scope, "
            "in a worker the task's), or leave it unbound where it is only received",
        )
