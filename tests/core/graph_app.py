"""A small application for the `python -m injectq graph` tests (tests/core/test_graph_cli.py).

`container` has one service of each lifetime; `broken` has one of each problem the graph
marks. The entry points are an `@inject` function and an `EntryPoint` of a worker task.
"""

from __future__ import annotations

from typing import Protocol

from injectq import EntryPoint, InjectQ, inject, scoped, singleton, transient


class Request:
    """A scope context value (an adapter would declare its framework's request)."""


class Settings:
    pass


@singleton
class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


@scoped
class UnitOfWork:
    def __init__(self, database: Database) -> None:
        self.database = database


@scoped("request")
class CurrentUser:
    def __init__(self, request: Request) -> None:
        self.request = request


@transient
class Clock:
    pass


@scoped
class OrderService:
    def __init__(self, work: UnitOfWork, user: CurrentUser, clock: Clock) -> None:
        self.work = work
        self.user = user
        self.clock = clock


container = InjectQ()
container.bind(Settings, Settings())
container.bind(Database, Database)
container.bind(UnitOfWork, UnitOfWork)
container.bind(CurrentUser, CurrentUser)
container.bind(Clock, Clock)
container.bind(OrderService, OrderService)
container.declare_context(Request)


@inject(container=container)
async def place_order(orders: OrderService) -> None:
    """An entry point that needs the request's user."""


#: a worker task: it runs in a scope, but no HTTP request supplies `Request` there
close_day = EntryPoint("task close_day", (UnitOfWork,), context=frozenset())
send_receipt = EntryPoint("task send_receipt", (CurrentUser,), context=frozenset())


def entry_points() -> list[object]:
    return [place_order, close_day]


def build_container() -> InjectQ:
    return container


class Mailer(Protocol):
    def send(self, to: str) -> None: ...


@singleton
class Reports:
    """Captive: a singleton that holds a scoped unit of work; and needs an unbound Mailer."""

    def __init__(self, work: UnitOfWork, mailer: Mailer) -> None:
        self.work = work
        self.mailer = mailer


broken = InjectQ()
broken.bind(UnitOfWork, UnitOfWork)
broken.bind(Database, Database)
broken.bind(Settings, Settings())
broken.bind(Reports, Reports)

not_a_container = 42


def needs_arguments(name: str) -> InjectQ:
    raise AssertionError("never called")
