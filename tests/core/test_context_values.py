"""Values passed as a scope's ``context`` are injectable inside it and its children."""

import asyncio

import pytest

from injectq import BindingError, InjectQ, InjectQError, ScopeError


class Request:
    """Stands in for a framework object (FastAPI Request, TaskiqMessage, MCP Context)."""

    def __init__(self, path: str) -> None:
        self.path = path


class CurrentUser:
    def __init__(self, name: str) -> None:
        self.name = name


class RequestLogger:
    def __init__(self, request: Request) -> None:
        self.request = request


class RequestState:
    pass


def make_user(request: Request) -> CurrentUser:
    return CurrentUser(name=request.path.rsplit("/", 1)[-1])


def test_context_value_is_injectable_into_a_factory(container: InjectQ) -> None:
    container.bind_factory(CurrentUser, make_user, scope="scoped")
    request = Request("/users/ada")

    with container.scope(context={Request: request}):
        assert container.get(CurrentUser).name == "ada"


def test_context_value_is_injectable_into_an_autowired_class(container: InjectQ) -> None:
    request = Request("/")

    with container.scope(context={Request: request}):
        assert container.get(RequestLogger).request is request


def test_context_value_is_returned_as_is_by_get_and_aget(container: InjectQ) -> None:
    request = Request("/")

    with container.scope(context={Request: request}) as scope:
        assert container.get(Request) is request
        assert scope.get(Request) is request


async def test_context_value_is_returned_by_aget_inside_an_async_scope(
    container: InjectQ,
) -> None:
    request = Request("/")

    async with container.scope(context={Request: request}) as scope:
        assert await container.aget(Request) is request
        assert await scope.aget(Request) is request


def test_context_value_under_a_string_key_is_injectable(container: InjectQ) -> None:
    with container.scope(context={"correlation_id": "abc-123"}):
        assert container.get("correlation_id") == "abc-123"


def test_context_value_is_visible_in_child_scopes(container: InjectQ) -> None:
    container.bind_factory(CurrentUser, make_user, scope="scoped")
    request = Request("/users/bob")

    with container.scope("session", context={Request: request}), container.scope():
        assert container.get(Request) is request
        assert container.get(CurrentUser).name == "bob"


def test_child_scope_context_value_shadows_the_parents_for_the_same_key(
    container: InjectQ,
) -> None:
    outer_request = Request("/outer")
    inner_request = Request("/inner")

    with container.scope(context={Request: outer_request}):
        with container.scope(context={Request: inner_request}):
            assert container.get(Request) is inner_request
        assert container.get(Request) is outer_request


def test_each_scope_injects_its_own_context_value(container: InjectQ) -> None:
    container.bind_factory(CurrentUser, make_user, scope="scoped")

    with container.scope(context={Request: Request("/users/ada")}):
        first = container.get(CurrentUser)
    with container.scope(context={Request: Request("/users/bob")}):
        second = container.get(CurrentUser)

    assert (first.name, second.name) == ("ada", "bob")


async def test_concurrent_scopes_each_see_only_their_own_context_value(
    container: InjectQ,
) -> None:
    container.bind_factory(CurrentUser, make_user, scope="scoped")

    async def handle(name: str) -> str:
        async with container.scope(context={Request: Request(f"/users/{name}")}):
            await asyncio.sleep(0.001)
            user = await container.aget(CurrentUser)
            await asyncio.sleep(0)
            return user.name

    names = [f"user{i}" for i in range(30)]

    assert await asyncio.gather(*(handle(name) for name in names)) == names


def test_isolated_scope_does_not_see_the_active_scopes_context_values(
    container: InjectQ,
) -> None:
    with container.scope(context={"correlation_id": "abc"}):
        assert container.get("correlation_id") == "abc"
        with container.scope(isolated=True), pytest.raises(InjectQError):
            container.get("correlation_id")


def test_context_with_a_none_key_is_a_binding_error_and_opens_no_scope(
    container: InjectQ,
) -> None:
    container.bind(RequestState, RequestState, scope="scoped")

    with pytest.raises(BindingError), container.scope(context={None: "x"}):
        pass

    with pytest.raises(ScopeError):
        container.get(RequestState)


def test_context_value_not_an_instance_of_its_class_key_is_a_binding_error(
    container: InjectQ,
) -> None:
    with pytest.raises(BindingError), container.scope(context={Request: "not a request"}):
        pass
