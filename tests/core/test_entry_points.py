"""validate(entry_points=...): each entry point is checked in its own runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from injectq import (
    AsyncFactoryError,
    EntryPoint,
    InjectQ,
    ScopeError,
    ValidationError,
    inject,
    scoped,
)


class Pool:
    pass


class Request:
    pass


@scoped
class Session:
    pass


class NeedsRequest:
    def __init__(self, request: Request) -> None:
        self.request = request


async def make_pool() -> AsyncIterator[Pool]:
    yield Pool()


@pytest.fixture
def container() -> InjectQ:
    container = InjectQ()
    container.bind_factory(Pool, make_pool, scope="singleton")
    container.bind(Session, Session)
    container.bind(NeedsRequest, NeedsRequest, scope="scoped")
    container.declare_context(Request)
    return container


def test_a_sync_inject_function_needing_an_async_factory_fails_validation(
    container: InjectQ,
) -> None:
    @inject(container=container)
    def report(pool: Pool) -> Pool:
        return pool

    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=[report])
    (error,) = raised.value.errors
    assert isinstance(error, AsyncFactoryError)
    assert "report" in str(error)
    assert "Pool" in str(error)


def test_an_async_inject_function_may_need_an_async_factory(container: InjectQ) -> None:
    @inject(container=container)
    async def report(pool: Pool) -> Pool:
        return pool

    assert container.validate(entry_points=[report]) == []


def test_an_entry_point_outside_any_scope_must_not_need_a_scoped_service(
    container: InjectQ,
) -> None:
    entry = EntryPoint("cron cleanup", (Session,), in_scope=False)
    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=[entry])
    assert isinstance(raised.value.errors[0], ScopeError)
    assert "cron cleanup -> Session" in str(raised.value)


def test_an_entry_point_must_not_need_a_context_value_its_runtime_lacks(
    container: InjectQ,
) -> None:
    task = EntryPoint("task confirm_order", (NeedsRequest,), context=frozenset())
    endpoint = EntryPoint("POST /orders", (NeedsRequest,), context=frozenset({Request}))
    with pytest.raises(ValidationError) as raised:
        container.validate(entry_points=[task, endpoint])
    assert len(raised.value.errors) == 1
    assert "task confirm_order -> NeedsRequest -> Request" in str(raised.value)


def test_something_that_is_not_an_entry_point_is_a_type_error(container: InjectQ) -> None:
    with pytest.raises(TypeError, match="not an entry point"):
        container.validate(entry_points=[object()])
