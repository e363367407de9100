"""Rows 5 and 6: optional injection, and every marker form, in every runtime."""

from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any, cast

import pytest

from injectq import Inject, InjectQ
from tests._journal import Journal

from ._runtimes import Runtime
from ._services import Clock, Mailer, Scoped, SmtpMailer, async_finalized, closes

pytestmark = pytest.mark.timeout(20)


async def test_an_optional_parameter_is_none_when_nothing_provides_it_and_the_service_if_bound(
    runtime: Runtime,
) -> None:
    container = InjectQ()
    container.bind(Mailer, SmtpMailer)

    async def unit(clock: Inject[Clock | None], mailer: Inject[Mailer | None]) -> dict[str, Any]:
        return {
            "clock": None if clock is None else repr(clock),
            "mailer": None if mailer is None else mailer.send("ada"),
        }

    async with runtime.serving(container, unit) as call:
        outcome = await call()

    assert outcome.ok, outcome.error
    assert outcome.value == {"clock": None, "mailer": "sent to ada"}


def described(service: Scoped) -> dict[str, Any]:
    return {"type": type(service).__name__, "number": service.number}


def core_inject(adapter: ModuleType) -> Callable[..., Any]:
    async def unit(service: Inject[Scoped]) -> dict[str, Any]:
        return described(service)

    return unit


def adapter_inject(adapter: ModuleType) -> Callable[..., Any]:
    inject = adapter.Inject  # Annotated[T, <the adapter's marker>]

    async def unit(service: inject[Scoped]) -> dict[str, Any]:  # type: ignore[valid-type]
        return described(cast("Scoped", service))

    return unit


def annotated_marker(adapter: ModuleType) -> Callable[..., Any]:
    dependency = adapter.InjectQDependency

    async def unit(service: Annotated[Scoped, dependency()]) -> dict[str, Any]:
        return described(service)

    return unit


def default_marker(adapter: ModuleType) -> Callable[..., Any]:
    async def unit(service: Scoped = adapter.InjectQDependency(Scoped)) -> dict[str, Any]:  # noqa: B008 - a marker
        return described(service)

    return unit


#: the ways a user marks an injected parameter, each a unit function made for an adapter
FORMS: dict[str, Callable[[ModuleType], Callable[..., Any]]] = {
    "core-Inject": core_inject,  # x: injectq.Inject[T]
    "adapter-Inject": adapter_inject,  # x: <adapter>.Inject[T]
    "Annotated-marker": annotated_marker,  # x: Annotated[T, InjectQDependency()]
    "default-marker": default_marker,  # x: T = InjectQDependency(T)
}


@pytest.mark.parametrize("form", FORMS)
async def test_every_marker_form_injects_the_units_scoped_service(
    runtime: Runtime, form: str, journal: Journal
) -> None:
    container = InjectQ()
    container.bind_factory(Scoped, async_finalized(journal, Scoped), scope="scoped")

    async with runtime.serving(container, FORMS[form](runtime.adapter)) as call:
        one = await call()
        two = await call()

    assert one.ok, one.error
    assert two.ok, two.error
    assert one.value["type"] == two.value["type"] == "Scoped"
    assert one.value["number"] != two.value["number"]
    assert closes(journal, Scoped) == {one.value["number"]: [None], two.value["number"]: [None]}
