"""``run.py --suite fastapi``: requests through a FastAPI app, per DI approach.

Each contestant builds its own app (``build() -> FastapiCase``); the runner starts the app's
lifespan, checks two requests, times one request per run, then shuts the lifespan down. See
``_fastapi_harness`` for how requests are made and checked. Writes
``docs/benchmarks-fastapi.md``.
"""

from dataclasses import dataclass
from types import ModuleType

from _fastapi_harness import PATH, FastapiCase, Lifespan, check_responses, request_runner
from _page import timing_bullet
from _suite import NotAvailable, RunInfo, Suite, Trial, build_case
from _throughput import Goal, ThroughputReport
from _timing import TimingConfig
from fastapi_contestants import FASTAPI_CONTESTANTS, FLOOR

FULL = TimingConfig(repeats=21, target_ns=100_000_000)
"""Full run: 5 contestants x 21 short repeats of about 0.1 s: about 20 s on an idle machine,
under a minute on a busy one (a repeat that lost the CPU takes longer and is run again)."""

DISTRIBUTIONS = (
    "fastapi",
    "starlette",
    "injectq-core-scopes",
    "injectq-fastapi",
    "dishka",
    "wireup",
)


@dataclass(frozen=True, slots=True)
class FastapiScenario:
    key: str
    title: str
    description: str


SCENARIOS: tuple[FastapiScenario, ...] = (
    FastapiScenario(
        "f1_request",
        "F1 one request",
        f"`GET {PATH}` to an async endpoint `/items/{{item_id}}` that is given a "
        "request-scoped `Session` (built from the `Settings` singleton) and the `Settings` "
        "singleton, and returns a JSON object of four numbers",
    ),
)


def setup(module: ModuleType, scenario: FastapiScenario) -> Trial | NotAvailable:
    """The contestant's app, its lifespan started and shut down by the runner."""
    case = build_case(module, FastapiCase)
    if isinstance(case, NotAvailable):
        return case
    lifespan = Lifespan(case.app)
    return Trial(
        request_runner(case.app, lifespan),
        is_async=True,
        check=check_responses,
        note=case.note,
        start=lifespan.start,
        close=lifespan.stop,
    )


def _bullets(info: RunInfo) -> list[str]:
    return [
        "What the endpoint does: `async def` with `item_id: int` from the path, given a "
        "`Session` made once per request from the `Settings` singleton, and the `Settings` "
        "singleton itself; it returns `{item_id, session serial, the session's settings "
        "serial, settings serial}` (no return annotation, so FastAPI does not validate it "
        "against a response model). Each contestant declares this with its own idiomatic "
        "API (see the notes); *no injection* builds the `Session` in the endpoint from a "
        "module-level `Settings`, the cheapest correct way and the floor.",
        f"One operation is one request, `GET {PATH}`, sent by calling the app as ASGI "
        "(`await app(scope, receive, send)`) in the same process and event loop with a copy "
        "of a prebuilt HTTP scope: no client, socket or server, so routing, middleware, "
        "dependency resolution, the endpoint and JSON encoding are what is measured. Each "
        "app's lifespan is started first (as a server does) and shut down after timing. "
        "*µs/request* is the time per request on one core, *requests/s* its inverse.",
        "Checks, before timing (two requests): status 200, `application/json`, the path's "
        "item id; each request was given a `Session` of its own, built from the same "
        "`Settings` the endpoint was given; both requests got the same `Settings`. Objects "
        "are told apart by serial numbers given when they are built.",
        timing_bullet(info, "a loop of requests"),
    ]


SUITE = Suite(
    name="fastapi",
    package="fastapi_contestants",
    contestants=FASTAPI_CONTESTANTS,
    scenarios=SCENARIOS,
    setup=setup,
    report=ThroughputReport(
        suite="fastapi",
        heading="Benchmarks: FastAPI requests",
        unit="request",
        floor=FLOOR,
        goal=Goal(
            0.95,
            ahead_of_peers=False,
            text="goal: InjectQ ≥ 0.95 of the floor; wireup reaches 0.90 on this machine",
            reference="wireup",
        ),
        bullets=_bullets,
        see_also="The core-resolution benchmarks are in [benchmarks.md](benchmarks.md).",
    ),
    full=FULL,
    versions=tuple((dist, dist) for dist in DISTRIBUTIONS),
    run_noun="requests",
    summary=", one request per run",
)
