"""The one parser of injected parameters: every marker form means the same in the core and in
every adapter (a marker is anything whose class has `__injectq_key__`)."""

from __future__ import annotations

from typing import Annotated, Any, Protocol
from unittest.mock import Mock

import pytest

from injectq import BindingError, Inject, is_marker, marked_parameters, read_parameters


class IMailer(Protocol):
    def send(self) -> None: ...


class Repo:
    pass


class AdapterMarker:
    """An adapter's marker: a key, or None for "the annotation is the key"."""

    __slots__ = ("__injectq_key__",)

    def __init__(self, key: Any = None) -> None:
        self.__injectq_key__ = key


def handler(
    order_id: int,
    mailer: Inject[IMailer],
    maybe: Inject[IMailer | None],
    outer: Inject[Repo] | None,
    by_default: IMailer = AdapterMarker(IMailer),  # noqa: B008 - a marker, as adapters use
    annotated: Annotated[Repo, AdapterMarker()] = None,  # type: ignore[assignment]
    keyed_optional: Repo | None = AdapterMarker("repo"),  # noqa: B008
    *,
    plain: Repo,
) -> None:
    pass


def by_name() -> dict[str, Any]:
    return {p.name: p for p in read_parameters(handler, "handler()")}


@pytest.mark.parametrize(
    ("name", "key", "optional"),
    [
        ("mailer", IMailer, False),
        ("maybe", IMailer, True),
        ("outer", Repo, True),
        ("by_default", IMailer, False),
        ("annotated", Repo, False),
        ("keyed_optional", "repo", True),
    ],
)
def test_every_marker_form_gives_its_key_and_whether_it_is_optional(
    name: str, key: object, optional: bool
) -> None:
    parameter = by_name()[name]
    assert parameter.marked
    assert parameter.key == key
    assert parameter.optional is optional


def test_a_marker_default_is_not_the_parameters_default() -> None:
    assert not by_name()["by_default"].has_default
    assert by_name()["annotated"].has_default
    assert by_name()["annotated"].default is None


def test_unmarked_parameters_are_read_but_not_marked() -> None:
    parameters = by_name()
    assert not parameters["order_id"].marked
    assert parameters["plain"].keyword_only
    assert parameters["mailer"].position == 1
    assert [p.name for p in marked_parameters(handler, "handler()")] == [
        "mailer",
        "maybe",
        "outer",
        "by_default",
        "annotated",
        "keyed_optional",
    ]


def test_a_marker_without_a_key_needs_an_annotation() -> None:
    def untyped(repo=AdapterMarker()) -> None:  # type: ignore[no-untyped-def]  # noqa: B008
        pass

    with pytest.raises(BindingError, match="has no annotation") as raised:
        marked_parameters(untyped, "tool untyped")
    assert "tool untyped" in str(raised.value)


def test_an_object_that_answers_every_attribute_is_not_a_marker() -> None:
    assert not is_marker(Mock())
    assert is_marker(AdapterMarker())

    def with_mock_default(repo: Repo = Mock()) -> None:  # noqa: B008
        pass

    assert marked_parameters(with_mock_default, "f") == ()
