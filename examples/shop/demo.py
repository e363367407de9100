"""The shop, run end to end: the API on uvicorn, the tasks on taskiq, the MCP server through
fastmcp's in-memory Client, and the cron task fired once.

    python3 scripts/dev.py demo                      # or: python -m examples.shop.demo
    python -m examples.shop.demo --redis redis://127.0.0.1:6379/0

By default the tasks run in this process on taskiq's InMemoryBroker; with `--redis` a real
`taskiq worker` and `taskiq scheduler` run as processes of their own. It drives a short
scenario, prints what every unit of work (request, task attempt, tool call) received and
which finalizers ran, checks the expectations and exits non-zero if one fails.
"""

import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from typing import Any

import aiosqlite
import httpx
import uvicorn

START = time.monotonic()
ORDERS = [("corr-1", "acme", "book"), ("corr-2", "zeta", "pen"), ("corr-3", "acme", "lamp")]
STALE_AGE = 8 * 24 * 3600  # older than the outbox's retention (7 days)
WAIT = 30.0  # seconds a task may take (a worker process starts in a few)


def say(message: str) -> None:
    print(f"[{time.monotonic() - START:6.3f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_for_unit(journal_path: str, kind: str) -> None:
    from .journal import Journal

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        journal = Journal.load(journal_path)
        units = [unit["unit"] for unit in journal.units if unit["kind"] == kind]
        if any((unit, "close") in {(u, what) for _, u, what in journal.events} for unit in units):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{kind} did not finish in {WAIT:.0f}s")


async def scenario(database_path: str, journal_path: str) -> dict[str, Any]:
    from fastmcp import Client

    from injectq.integrations.fastapi import route_entry_points
    from injectq.integrations.fastmcp import mcp_entry_points
    from injectq.integrations.taskiq import task_entry_points

    from .api import app
    from .mcp_server import mcp
    from .modules import Database
    from .tasks import container, scheduler

    entry_points = [
        *route_entry_points(app),
        *task_entry_points(scheduler.broker),
        *mcp_entry_points(mcp),
    ]
    container.validate(entry_points=entry_points)
    say(f"validated {len(entry_points)} entry points (routes, tasks, tools)")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    say(f"starting API on 127.0.0.1:{port}")
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # raises the server's error
        await asyncio.sleep(0.01)

    await container.aget(Database)  # the singleton creates the schema
    async with aiosqlite.connect(database_path) as db:
        say("seeding one 8-day-old outbox row for the cron cleanup")
        sql = "INSERT INTO outbox (tenant, order_id, correlation_id, body, created_at) "
        await db.execute(sql + "VALUES ('acme', 0, 'old', 'stale', ?)", (time.time() - STALE_AGE,))
        await db.commit()

    placed: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        for number, (correlation_id, tenant, item) in enumerate(ORDERS, 1):
            say(f"creating order {number}/{len(ORDERS)} ({correlation_id}, tenant {tenant})")
            headers = {"x-correlation-id": correlation_id, "x-tenant": tenant}
            response = await http.post("/orders", json={"item": item}, headers=headers)
            response.raise_for_status()
            placed.append(response.json())
        say("waiting for the tasks (confirm_order, then send_order_email)")
        for order in placed:
            confirmed = await scheduler.wait_result(order["task_id"], timeout=WAIT)
            email_task_id = confirmed.unwrap()
            (await scheduler.wait_result(email_task_id, timeout=WAIT)).unwrap()
        first, (_, tenant, _) = placed[0], ORDERS[0]
        say(f"GET /orders/{first['order_id']} and GET /orders/999 (a 404)")
        headers = {"x-correlation-id": "corr-get", "x-tenant": tenant}
        fetched = (await http.get(f"/orders/{first['order_id']}", headers=headers)).json()
        headers = {"x-correlation-id": "corr-404", "x-tenant": tenant}
        missing = (await http.get("/orders/999", headers=headers)).status_code

    async with Client(mcp) as client:
        say("MCP tool look_up_order")
        arguments = {"order_id": 1, "tenant": "acme"}
        looked_up = (await client.call_tool("look_up_order", arguments)).data
        say("MCP tool look_up_order for a missing order (the tool fails: its unit rolls back)")
        logging.getLogger("fastmcp").setLevel(logging.CRITICAL)  # not the expected traceback
        arguments = {"order_id": 999, "tenant": "acme"}
        failed = await client.call_tool("look_up_order", arguments, raise_on_error=False)
        logging.getLogger("fastmcp").setLevel(logging.NOTSET)
        say("MCP tool resend_order_email (order 2, tenant zeta)")
        resend = await client.call_tool("resend_order_email", {"order_id": 2, "tenant": "zeta"})
        (await scheduler.wait_result(resend.data, timeout=WAIT)).unwrap()

    source = scheduler.sources[0]
    await source.startup()  # reads the schedule labels, as `taskiq scheduler` does at start
    (cleanup,) = await source.get_schedules()
    say(f"firing the cron task {cleanup.task_name} ({cleanup.cron}) once, as the scheduler would")
    await scheduler.on_ready(source, cleanup)
    await wait_for_unit(journal_path, f"task {cleanup.task_name}")

    say("stopping the API (its lifespan closes the broker and the singletons)")
    server.should_exit = True
    await serving
    outcome = {"fetched": fetched, "missing": missing, "looked_up": looked_up, "failed": failed}
    return {**outcome, "pid": os.getpid()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.shop.demo", description=__doc__)
    parser.add_argument("--redis", metavar="URL", help="run a taskiq worker and scheduler on it")
    options = parser.parse_args(argv)
    from .journal import Journal
    from .processes import start_worker_and_scheduler

    with tempfile.TemporaryDirectory(prefix="injectq-shop-") as folder:
        database_path = os.path.join(folder, "shop.sqlite3")
        journal_path = os.path.join(folder, "journal.jsonl")
        os.environ["SHOP_DATABASE_PATH"] = database_path  # read by build_container()
        os.environ["SHOP_JOURNAL_PATH"] = journal_path
        processes = []
        if options.redis:
            os.environ["SHOP_REDIS_URL"] = options.redis
            os.environ["SHOP_REDIS_PREFIX"] = f"injectq-shop-demo:{os.path.basename(folder)}"
            say(f"SQLite database in {folder}; tasks on Redis {options.redis}")
            processes = start_worker_and_scheduler(folder)
            say("started `taskiq worker` and `taskiq scheduler` processes")
        else:
            say(f"SQLite database in {folder}; tasks on taskiq's InMemoryBroker")
        try:
            outcome = asyncio.run(scenario(database_path, journal_path))
        finally:
            for process in processes:
                code = process.stop()
                say(f"stopped {process.name} (exit {code})")
                if code not in (0, None) or os.environ.get("SHOP_DEMO_LOGS"):
                    print(process.log_tail())
        outcome["journal"] = Journal.load(journal_path)
        outcome["outbox"] = asyncio.run(read_outbox(database_path))
    from .report import check, report

    report(outcome, ORDERS)
    failures = check(outcome, ORDERS)
    for failure in failures:
        print(f"[FAILED] {failure}")
    if failures:
        print(f"{len(failures)} expectation(s) failed")
        return 1
    print(f"all expectations met in {time.monotonic() - START:.2f}s")
    return 0


async def read_outbox(database_path: str) -> list[tuple[Any, ...]]:
    async with aiosqlite.connect(database_path) as db:
        cursor = await db.execute("SELECT tenant, order_id, correlation_id, body FROM outbox")
        return [tuple(row) for row in await cursor.fetchall()]


if __name__ == "__main__":
    sys.exit(main())
