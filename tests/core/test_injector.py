"""`container.injector(function)`: an entry point's injected parameters, resolved together by
one generated function, recompiled when bindings change."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Protocol

import pytest

from injectq import AsyncFactoryError, BindingError, Inject, InjectQ, MissingBindingError


class IMailer(Protocol):
    def send(self) -> str: ...


class SmtpMailer:
    def send(self) -> str:
        return "smtp"


class FakeMailer:
    def send(self) -> str:
        return "fake"


class Session:
    pass


class Pool:
    pass


async def open_pool() -> AsyncIterator[Pool]:
    yield Pool()


def place_order(
    order_id: int,
    mailer: Inject[IMailer],
    session: Inject[Session],
    metrics: Inject[Pool | None] = None,
) -> str:
    return mailer.send()


@pytest.fixture
def wired(container: InjectQ) -> InjectQ:
    container.bind(IMailer, SmtpMailer)
    container.bind(Session, Session, scope="scoped")
    return container


def test_an_injector_fills_in_every_marked_parameter_in_one_call(wired: InjectQ) -> None:
    injector = wired.injector(place_order, name="POST /orders")
    assert [p.name for p in injector.parameters] == ["mailer", "session", "metrics"]
    assert list(injector.signature.parameters) == ["order_id"]  # what the framework sees
    with wired.scope():
        kwargs: dict[str, object] = {"order_id": 7}
        injector.resolve(kwargs)
        assert isinstance(kwargs["mailer"], SmtpMailer)
        assert kwargs["session"] is wired.get(Session)
        assert isinstance(kwargs["metrics"], Pool)  # Inject[Pool | None]: autowirable
        assert place_order(**kwargs) == "smtp"  # type: ignore[arg-type]


def test_what_the_caller_gives_is_not_resolved(wired: InjectQ) -> None:
    injector = wired.injector(place_order)
    fake = FakeMailer()
    with wired.scope():
        kwargs: dict[str, object] = {}
        injector.resolve(kwargs, args=(7, fake))  # mailer given by position
        assert "mailer" not in kwargs
        kwargs = {"mailer": fake}
        injector.resolve(kwargs)
        assert kwargs["mailer"] is fake


def test_an_injector_follows_bindings_and_overrides_made_after_it(wired: InjectQ) -> None:
    injector = wired.injector(place_order)
    kwargs: dict[str, object] = {}
    with wired.scope():
        injector.resolve(kwargs)
    assert isinstance(kwargs["mailer"], SmtpMailer)
    with wired.override(IMailer, FakeMailer()), wired.scope():
        kwargs = {}
        injector.resolve(kwargs)
        assert isinstance(kwargs["mailer"], FakeMailer)


async def test_an_injector_awaits_async_factories(wired: InjectQ) -> None:
    wired.bind_factory(Pool, open_pool, scope="scoped")
    injector = wired.injector(place_order, name="task place_order")
    assert injector.needs_await
    async with wired.scope():
        kwargs: dict[str, object] = {}
        with pytest.raises(AsyncFactoryError, match="task place_order needs the async factory"):
            injector.resolve(kwargs)
        await injector.aresolve(kwargs)
        assert isinstance(kwargs["metrics"], Pool)
    assert injector.source().startswith("async def ainject_task_place_order(scope, kwargs, n):")


def test_errors_name_the_entry_point_and_the_path(container: InjectQ) -> None:
    injector = container.injector(place_order, name="POST /orders")
    with pytest.raises(MissingBindingError) as raised, container.scope():
        injector.resolve({})
    assert "POST /orders -> IMailer" in str(raised.value)


def test_the_entry_point_of_an_injector_validates_its_keys(wired: InjectQ) -> None:
    entry = wired.injector(place_order, name="POST /orders").entry_point()
    wired.validate(entry_points=[entry])
    assert entry.optional == frozenset({Pool})


def test_a_positional_only_parameter_cannot_be_injected(container: InjectQ) -> None:
    def handler(mailer: Inject[IMailer], /) -> None:
        pass

    with pytest.raises(BindingError, match="positional-only"):
        container.injector(handler)


def test_the_signature_of_an_injector_keeps_the_callers_parameters(container: InjectQ) -> None:
    injector = container.injector(place_order)
    assert injector.signature == inspect.Signature(
        [inspect.Parameter("order_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="int")],
        return_annotation="str",
    )
