"""InjectQ core demo: one module set, concurrent units of work, finalizers, and clear errors.

Run it with `uv run python examples/core_demo.py` (`python3 scripts/dev.py demo` runs the
shop demo in examples/shop/). It simulates what the adapters do for real: each
"request" opens its own scope, scoped services are one per unit of work, the singleton is
shared, finalizers run newest first when the unit of work ends (and see its exception), and
`validate()` explains a broken graph before any traffic. It exits non-zero if any
expectation fails.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from injectq import (
    Binder,
    InjectQ,
    MissingBindingError,
    Module,
    ValidationError,
    provider,
    scoped,
    singleton,
)

EVENTS: list[str] = []
_ids = itertools.count(1)


@dataclass(frozen=True)
class Settings:
    dsn: str = "sqlite:///:memory:"


@singleton
class ConnectionPool:
    def __init__(self, settings: Settings) -> None:
        self.id = next(_ids)
        self.dsn = settings.dsn


class Transaction:
    def __init__(self, pool: ConnectionPool, unit: str) -> None:
        self.id = next(_ids)
        self.pool = pool
        self.unit = unit


@dataclass
class RequestContext:
    correlation_id: str
    tenant: str


@scoped
class AuditLog:
    def __init__(self, context: RequestContext) -> None:
        self.id = next(_ids)
        self.context = context
        self.lines: list[str] = []


class IOrderRepository(Protocol):
    async def save(self, order: str) -> str: ...


class SqlOrderRepository:
    def __init__(self, tx: Transaction, audit: AuditLog) -> None:
        self.tx = tx
        self.audit = audit

    async def save(self, order: str) -> str:
        self.audit.lines.append(f"saved {order}")
        await asyncio.sleep(0.01)
        return f"{order}@tx{self.tx.id}"


class InfrastructureModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(Settings, Settings())
        binder.bind(ConnectionPool, ConnectionPool)

    @provider(scope="scoped")
    async def transaction(
        self, pool: ConnectionPool, context: RequestContext
    ) -> AsyncIterator[Transaction]:
        tx = Transaction(pool, context.correlation_id)
        EVENTS.append(f"{context.correlation_id}: begin tx{tx.id}")
        try:
            yield tx
        except Exception as error:
            EVENTS.append(f"{context.correlation_id}: rollback tx{tx.id} ({error})")
            raise
        else:
            EVENTS.append(f"{context.correlation_id}: commit tx{tx.id}")


class OrdersModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(IOrderRepository, SqlOrderRepository, scope="transient")


def build_container() -> InjectQ:
    container = InjectQ()
    container.install(InfrastructureModule())
    container.install(OrdersModule())
    container.declare_context(RequestContext)
    return container


async def handle(container: InjectQ, correlation_id: str, order: str) -> dict[str, object]:
    """What an adapter does per request: one scope, context in, finalizers out."""
    context = RequestContext(correlation_id, tenant="acme")
    async with container.scope("request", context={RequestContext: context}):
        repository = await container.aget(IOrderRepository)
        again = await container.aget(IOrderRepository)
        saved = await repository.save(order)
        if order == "bad":
            raise ValueError("payment declined")
        return {
            "request": correlation_id,
            "saved": saved,
            "transaction": repository.tx.id,
            "audit": repository.audit.id,
            "same scoped audit in both repositories": repository.audit is again.audit,
            "pool": repository.tx.pool.id,
        }


async def main() -> int:
    failures: list[str] = []

    def expect(condition: bool, what: str) -> None:
        print(f"  [{'ok' if condition else 'FAILED'}] {what}")
        if not condition:
            failures.append(what)

    started = time.perf_counter()
    print("== 1. validate the graph before any traffic")
    container = build_container()
    container.validate()
    print("  the graph is complete: no missing bindings, cycles or captive dependencies")

    print("\n== 2. five concurrent requests, each in its own scope")
    results = await asyncio.gather(
        *(handle(container, f"req-{n}", f"order-{n}") for n in range(1, 6)),
        handle(container, "req-6", "bad"),
        return_exceptions=True,
    )
    rows = [result for result in results if isinstance(result, dict)]
    for row in rows:
        print(f"  {row['request']}: saved {row['saved']}, audit#{row['audit']}, pool#{row['pool']}")
    expect(len(rows) == 5, "five requests succeeded")
    expect(isinstance(results[-1], ValueError), "the failing request raised its own error")
    expect(len({row["transaction"] for row in rows}) == 5, "each request had its own transaction")
    expect(len({row["audit"] for row in rows}) == 5, "each request had its own scoped AuditLog")
    expect(
        all(row["same scoped audit in both repositories"] for row in rows),
        "scoped AuditLog is shared within one request",
    )
    expect(len({row["pool"] for row in rows}) == 1, "the ConnectionPool singleton is shared")

    print("\n== 3. finalizers (async generator providers), in the order they ran")
    for event in EVENTS:
        print(f"  {event}")
    expect(
        sum("commit" in e for e in EVENTS) == 5, "five transactions committed after the response"
    )
    expect(
        any("rollback" in e and "payment declined" in e for e in EVENTS),
        "the failing request's finalizer saw its exception and rolled back",
    )

    print("\n== 4. a broken graph is explained with its whole path")
    broken = InjectQ()
    broken.install(OrdersModule())
    try:
        broken.validate()
    except ValidationError as error:
        print("  " + str(error).replace("\n", "\n  "))
        expect(
            any(isinstance(e, MissingBindingError) for e in error.errors),
            "validate() reports the missing binding with its path",
        )
    else:
        expect(False, "validate() should have failed")

    await container.aclose()
    print(
        f"\ndone in {(time.perf_counter() - started) * 1000:.0f} ms; "
        f"{'all expectations met' if not failures else f'{len(failures)} FAILED'}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
