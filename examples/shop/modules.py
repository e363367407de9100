"""The wiring, written once: Module classes and build_container().

Every process (API, worker, scheduler, MCP server) calls build_container() and so gets its own
singletons (the Database, the Journal); scoped services (UnitOfWork, OrderRepository,
EmailSender) are one per unit of work: an HTTP request, a task attempt, a tool call.
"""

import itertools
import os
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiosqlite
from starlette.requests import Request

from injectq import Binder, InjectQ, Module, provider, scoped, singleton

from .journal import Journal, RequestContext

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, item TEXT NOT NULL, status TEXT NOT NULL,
    correlation_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, order_id INTEGER NOT NULL,
    correlation_id TEXT NOT NULL, body TEXT NOT NULL, created_at REAL NOT NULL);
"""


@dataclass(frozen=True)
class Settings:
    database_path: str
    redis_url: str | None = None  # None: tasks run in this process (taskiq's InMemoryBroker)
    redis_prefix: str = "injectq-shop"  # of the queue and result keys
    journal_path: str | None = None  # where the demo's Journal writes, for every process
    outbox_retention_seconds: float = 7 * 24 * 3600

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            database_path=environ.get("SHOP_DATABASE_PATH", "shop.sqlite3"),
            redis_url=environ.get("SHOP_REDIS_URL") or None,
            redis_prefix=environ.get("SHOP_REDIS_PREFIX", "injectq-shop"),
            journal_path=environ.get("SHOP_JOURNAL_PATH") or None,
        )


_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """Unique across the processes of one run: the process id, then a counter."""
    return f"{prefix}-{os.getpid()}.{next(_ids)}"


class Database:
    """Stands in for a pool: one per process; each unit of work opens its own connection."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.id = new_id("db")

    async def connect(self) -> aiosqlite.Connection:
        # autocommit mode: the UnitOfWork says BEGIN IMMEDIATE and COMMIT itself
        return await aiosqlite.connect(self.path, timeout=10, isolation_level=None)


class UnitOfWork:
    """One transaction per unit of work, committed or rolled back by its finalizer."""

    def __init__(self, connection: aiosqlite.Connection, journal: Journal) -> None:
        self.id = new_id("uow")
        self.connection = connection
        self.journal = journal
        self.state = "open"

    async def execute(self, sql: str, *params: Any) -> aiosqlite.Cursor:
        if self.state != "open":
            raise RuntimeError(f"{self.id} is {self.state}")
        return await self.connection.execute(sql, params)

    async def commit(self) -> None:
        if self.state == "open":
            await self.connection.execute("COMMIT")
            self.state = "committed"
            self.journal.event(self.id, "commit")

    async def rollback(self) -> None:
        if self.state == "open":
            await self.connection.execute("ROLLBACK")
            self.state = "rolled back"
            self.journal.event(self.id, "rollback")


class OrderRepository:
    def __init__(self, unit: UnitOfWork) -> None:
        self.id = new_id("repo")
        self.unit = unit

    async def add(self, context: RequestContext, item: str) -> int:
        cursor = await self.unit.execute(
            "INSERT INTO orders (tenant, item, status, correlation_id) VALUES (?, ?, 'placed', ?)",
            context.tenant,
            item,
            context.correlation_id,
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, tenant: str, order_id: int) -> dict[str, Any] | None:
        cursor = await self.unit.execute(
            "SELECT id, item, status, correlation_id FROM orders WHERE tenant = ? AND id = ?",
            tenant,
            order_id,
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        return dict(zip(("id", "item", "status", "correlation_id"), row, strict=True))

    async def set_status(self, tenant: str, order_id: int, status: str) -> None:
        sql = "UPDATE orders SET status = ? WHERE tenant = ? AND id = ?"
        await self.unit.execute(sql, status, tenant, order_id)


class EmailSender:
    """Writes to the outbox table in the unit's transaction; a relay would deliver them."""

    def __init__(self, unit: UnitOfWork) -> None:
        self.id = new_id("mail")
        self.unit = unit

    async def send(self, context: RequestContext, order_id: int, body: str) -> None:
        sql = "INSERT INTO outbox (tenant, order_id, correlation_id, body, created_at) "
        sql += "VALUES (?, ?, ?, ?, ?)"
        args = (context.tenant, order_id, context.correlation_id, body, time.time())
        await self.unit.execute(sql, *args)


class InfrastructureModule(Module):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configure(self, binder: Binder) -> None:
        binder[Settings] = self.settings
        binder[Journal] = Journal(self.settings.journal_path)

    @singleton
    @provider
    async def database(self, settings: Settings, journal: Journal) -> AsyncIterator[Database]:
        db = Database(settings.database_path)
        async with aiosqlite.connect(db.path) as connection:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.executescript(SCHEMA)
        journal.event(db.id, "open")
        yield db
        journal.event(db.id, "close")  # at the API's lifespan end, at the worker's shutdown


class ShopModule(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(OrderRepository, OrderRepository, scope="scoped")
        binder.bind(EmailSender, EmailSender, scope="scoped")

    @scoped
    @provider
    async def unit_of_work(self, db: Database, journal: Journal) -> AsyncIterator[UnitOfWork]:
        unit = UnitOfWork(await db.connect(), journal)
        journal.event(unit.id, "open")
        await unit.connection.execute("BEGIN IMMEDIATE")
        try:
            yield unit
        except BaseException:
            await unit.rollback()  # the unit's own exception is thrown in here
            raise
        else:
            await unit.commit()
        finally:
            await unit.connection.close()
            journal.event(unit.id, "close")

    @provider(scope="scoped")
    def request_context(self, request: Request) -> RequestContext:  # a task gets its sender's
        return RequestContext(
            correlation_id=request.headers.get("x-correlation-id") or uuid.uuid4().hex,
            tenant=request.headers.get("x-tenant", "public"),
        )


def build_container(settings: Settings | None = None) -> InjectQ:
    container = InjectQ()
    container.install(InfrastructureModule(settings or Settings.from_env()))
    container.install(ShopModule())
    container.declare_context(Request)  # supplied by each request's scope, never autowired
    container.propagate(RequestContext)  # travels with the tasks a unit of work sends
    return container
