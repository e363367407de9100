"""The demo's final report, and the expectations it checks."""

from typing import Any

from .journal import Journal

SCOPED = ("repository", "mailer")  # the scoped instances, besides the UnitOfWork, a unit records
#: the units of work whose finalizers see an exception, so roll back: the tool call that
#: raises, and the 404 (the HTTPException reaches the finalizers though FastAPI handles it)
ROLLED_BACK = ("tool look_up_order(999)", "GET /orders/999")
#: the journal ids under which the demo's servers record the end of their own lifespans
LIFESPANS = ("runtime:API lifespan", "runtime:MCP server lifespan")


def _finalizers(journal: Journal, unit_id: str) -> list[str]:
    return [what for _, unit, what in journal.events if unit == unit_id and what != "open"]


def _duration_ms(journal: Journal, unit_id: str) -> float:
    times = [at for at, unit, _ in journal.events if unit == unit_id]
    return (max(times) - min(times)) * 1000 if times else 0.0


def _process(instance_id: str) -> str:
    """The process id in an instance id (`db-4888.1` -> `4888`)."""
    return instance_id.split("-", 1)[1].split(".", 1)[0]


def _databases(journal: Journal) -> dict[str, list[str]]:
    """The Database ids each process made, by process id, in the order they were opened."""
    found: dict[str, list[str]] = {}
    for _, owner, what in journal.events:
        if owner.startswith("db-") and what == "open":
            found.setdefault(_process(owner), []).append(owner)
    return found


def report(outcome: dict[str, Any], orders: list[tuple[str, str, str]]) -> None:
    journal: Journal = outcome["journal"]
    print("\n=== report: units of work, grouped by correlation id ===")
    print("(instance ids: <kind>-<process id>.<n>; finalizers in the order they ran)")
    by_correlation: dict[str, list[dict[str, Any]]] = {}
    for unit in journal.units:
        by_correlation.setdefault(unit["context"].correlation_id, []).append(unit)
    for correlation_id, units in by_correlation.items():
        print(f"{correlation_id} (tenant {units[0]['context'].tenant})")
        for unit in units:
            scoped = " ".join(unit[name] for name in SCOPED if name in unit)
            finalizers = ", ".join(_finalizers(journal, unit["unit"])) or "none"
            timing = f"{_duration_ms(journal, unit['unit']):7.1f} ms"
            line = f"  {unit['kind']:<26} {unit['unit']:<13} {scoped:<28} {finalizers:<16}"
            print(f"{line} {timing}")
    first = journal.events[0][0] if journal.events else 0.0
    print("singletons (one Database per process, closed after the last lifespan serving it):")
    for at, owner, what in journal.events:
        if owner.startswith(("db-", "runtime:")):
            name = (
                f"Database {owner}" if owner.startswith("db-") else owner.removeprefix("runtime:")
            )
            print(f"  {name:<22} {what:<5} at +{(at - first) * 1000:.0f} ms")
    print(f"outbox ({len(outcome['outbox'])} rows):")
    for tenant, order_id, correlation_id, body in outcome["outbox"]:
        print(f"  {tenant:<5} order {order_id}  {correlation_id:<12} {body}")
    print()


def check(outcome: dict[str, Any], orders: list[tuple[str, str, str]]) -> list[str]:
    journal: Journal = outcome["journal"]
    failures: list[str] = []
    tasks = {unit["task_id"]: unit for unit in journal.units if "task_id" in unit}

    def expect(condition: bool, message: str) -> None:
        if not condition:
            failures.append(message)

    for correlation_id, tenant, _ in orders:
        posts = [u for u in journal.units if u["context"].correlation_id == correlation_id]
        post = next((u for u in posts if u["kind"] == "POST /orders"), None)
        expect(post is not None, f"no POST /orders recorded for {correlation_id}")
        confirm = tasks.get(post["sent"]) if post else None
        email = tasks.get(confirm["sent"]) if confirm else None
        for name, task in (("confirm_order", confirm), ("send_order_email", email)):
            expect(task is not None, f"{name} of {correlation_id} did not run")
            if post is not None and task is not None:
                seen = task["context"]
                expect(seen == post["context"], f"{name} of {correlation_id} saw {seen}")
                expect(seen.tenant == tenant, f"{name} of {correlation_id} had tenant {tenant}")
    for tool in (u for u in journal.units if u["kind"] == "tool resend_order_email"):
        email = tasks.get(tool["sent"])
        expect(email is not None, "the email task the MCP tool sent did not run")
        if email is not None:
            expect(email["context"] == tool["context"], "the resent email lost the tool's context")

    unit_ids = [unit["unit"] for unit in journal.units]
    expect(len(set(unit_ids)) == len(unit_ids), f"a UnitOfWork was shared: {unit_ids}")
    scoped_ids = [unit[name] for unit in journal.units for name in SCOPED if name in unit]
    expect(len(set(scoped_ids)) == len(scoped_ids), f"a scoped instance was shared: {scoped_ids}")
    for unit in journal.units:
        for name in SCOPED:
            if f"{name}_unit" in unit:
                expect(
                    unit[f"{name}_unit"] == unit["unit"], f"{unit['kind']}: {name} on another unit"
                )
        ran = _finalizers(journal, unit["unit"])
        ended = "rollback" if unit["kind"] in ROLLED_BACK else "commit"
        expect(ran == [ended, "close"], f"{unit['kind']} {unit['unit']}: finalizers {ran}")

    # one Database per process, opened once and closed once. In the demo's process the API,
    # the MCP server and (in process) the worker share it: it closes only after the last of
    # their lifespans has ended, never when the first does (which would make a second one)
    databases = _databases(journal)
    for process, made in databases.items():
        expect(len(made) == 1, f"process {process} made {len(made)} Databases: {made}")
    for db in (db for made in databases.values() for db in made):
        events = [what for _, owner, what in journal.events if owner == db]
        expect(events == ["open", "close"], f"Database {db} was opened and closed as {events}")
    lifespan_ends = {
        owner: i for i, (_, owner, _) in enumerate(journal.events) if owner in LIFESPANS
    }
    expect(
        set(lifespan_ends) == set(LIFESPANS),
        f"lifespans that recorded their end: {sorted(lifespan_ends)}",
    )
    demo = str(outcome["pid"])
    expect(demo in databases, f"the demo's process ({demo}) made no Database")
    for db in databases.get(demo, []):
        closed = [i for i, event in enumerate(journal.events) if event[1:] == (db, "close")]
        last = max(lifespan_ends.values(), default=None)
        expect(
            bool(closed) and last is not None and closed[-1] > last,
            f"Database {db} closed before the last lifespan serving its container ended",
        )

    expect(outcome["failed"].is_error, "look_up_order(999) did not fail")
    expect(outcome["missing"] == 404, f"GET /orders/999 answered {outcome['missing']}")
    expect(outcome["looked_up"]["id"] == 1, f"look_up_order returned {outcome['looked_up']}")
    outbox = outcome["outbox"]
    for correlation_id, tenant, _ in orders:
        mails = [row for row in outbox if row[2] == correlation_id and row[0] == tenant]
        expect(len(mails) == 1, f"outbox has {len(mails)} email(s) for {correlation_id}")
    resent = [row for row in outbox if row[2].startswith("mcp-")]
    expect(len(resent) == 1 and resent[0][:2] == ("zeta", 2), f"resent email: {resent}")
    expect(all(row[2] != "old" for row in outbox), "the cron cleanup left the stale email")
    return failures
