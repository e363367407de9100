"""Identity rules each contestant's results must satisfy before it is timed.

The runner calls a case twice and hands both results to the check of its scenario. A rule
that does not hold raises ``CheckError`` with a one-line reason.
"""

from collections.abc import Callable

from _cases import CheckKind
from _model import A, AppState, B, C, D, Service, Session, Settings
from _suite import expect


def _type_name(value: object) -> str:
    return type(value).__qualname__


def check_singleton(first: object, second: object) -> None:
    expect(isinstance(first, Settings), f"got a {_type_name(first)}, not a Settings")
    expect(first is second, "two gets returned two different objects")


def _check_one_chain(a: object) -> A:
    expect(isinstance(a, A), f"got a {_type_name(a)}, not an A")
    assert isinstance(a, A)
    expect(isinstance(a.b, B) and isinstance(a.c, C), "A was not given a B and a C")
    expect(isinstance(a.b.d, D) and isinstance(a.c.d, D), "B or C was not given a D")
    expect(a.b.d is not a.c.d, "B and C share one D (D was not transient)")
    return a


def check_chain(first: object, second: object) -> None:
    a1 = _check_one_chain(first)
    a2 = _check_one_chain(second)
    expect(a1 is not a2, "two gets returned the same A (A was not transient)")
    expect(a1.b is not a2.b and a1.c is not a2.c, "B or C reused across gets")
    expect(a1.b.d is not a2.b.d, "D reused across gets")


def _unpack_scope(result: object) -> tuple[Session, Service]:
    expect(
        isinstance(result, tuple) and len(result) == 2,
        f"a scope case must return (session, service), got {_type_name(result)}",
    )
    assert isinstance(result, tuple)
    session, service = result
    expect(isinstance(session, Session), f"got a {_type_name(session)}, not a Session")
    expect(isinstance(service, Service), f"got a {_type_name(service)}, not a Service")
    assert isinstance(session, Session)
    assert isinstance(service, Service)
    expect(isinstance(service.state, AppState), "Service was not given an AppState")
    expect(
        service.session is session,
        "the Service got another Session than the one resolved in the same scope",
    )
    return session, service


def check_scope(first: object, second: object) -> None:
    session1, service1 = _unpack_scope(first)
    session2, service2 = _unpack_scope(second)
    expect(session1 is not session2, "two scopes shared one Session (not scoped)")
    expect(service1 is not service2, "two scopes shared one Service (not transient)")
    expect(service1.state is service2.state, "the AppState singleton differs between scopes")


def check_finalizer(first: object, second: object) -> None:
    check_scope(first, second)
    for result in (first, second):
        session, service = _unpack_scope(result)
        expect(
            service.closed_at_init == 0,
            "the Session was finalized before the Service that uses it was built",
        )
        expect(
            session.closed == 1,
            f"the finalizer ran {session.closed} times by scope close, expected exactly once",
        )


CHECKS: dict[CheckKind, Callable[[object, object], None]] = {
    "singleton": check_singleton,
    "chain": check_chain,
    "scope": check_scope,
    "finalizer": check_finalizer,
}
