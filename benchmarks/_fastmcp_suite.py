"""``run.py --suite fastmcp``: tool calls to a FastMCP server, per DI approach.

Each contestant builds its own server (``build() -> FastmcpCase``); the runner starts it
(its lifespan, or an in-memory client session that runs the lifespan), checks two calls,
times one call per run, then shuts it down. See ``_fastmcp_harness`` for how calls are made
and checked. The report adds what each contestant costs per call over no injection, which
is the suite's goal. Writes ``docs/benchmarks-fastmcp.md``.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from _fastmcp_harness import (
    TOOL,
    FastmcpCase,
    check_results,
    check_schema,
    client,
    client_runner,
    direct_runner,
    lifespan,
)
from _page import timing_bullet
from _suite import NotAvailable, RunInfo, Suite, Trial, build_case
from _throughput import Goal, ThroughputReport
from _timing import TimingConfig
from _unit_model import ITEM_ID
from fastmcp_contestants import FASTMCP_CONTESTANTS, FLOOR

FULL = TimingConfig(repeats=25, target_ns=60_000_000)
"""Full run: 2 scenarios x 4 contestants x 25 repeats of about 0.06 s, under a minute. What an
injecting contestant adds is a few percent of a call, so the repeats are many and short
(interleaved finely, a burst of load hits every contestant alike); but not shorter, as each
starts with a full garbage collection, which takes 0.05-0.15 s with FastMCP loaded."""

DISTRIBUTIONS = (
    "fastmcp",
    "mcp",
    "injectq-core-scopes",
    "injectq-fastmcp",
    "dishka",
    "dishka-fastmcp",
)

CALL = f"`{TOOL}(item_id={ITEM_ID})`"


@dataclass(frozen=True, slots=True)
class FastmcpScenario:
    key: str
    title: str
    description: str
    through_client: bool
    """Call through ``fastmcp.Client(server)`` (in memory) rather than ``server.call_tool``."""


SCENARIOS: tuple[FastmcpScenario, ...] = (
    FastmcpScenario(
        "m1_direct",
        "M1 direct call_tool",
        f"{CALL} by `await server.call_tool(...)`, no transport: the async tool is given a "
        "call-scoped `Session` (built from the `Settings` singleton) and the `Settings` "
        "singleton, and returns a dict of four numbers",
        through_client=False,
    ),
    FastmcpScenario(
        "m2_client",
        "M2 through the in-memory client",
        "the M1 tool called by `await client.call_tool(...)` on one `fastmcp.Client(server)` "
        "session (FastMCP's in-memory transport), opened before the first call and kept open",
        through_client=True,
    ),
)


def setup(module: ModuleType, scenario: FastmcpScenario) -> Trial | NotAvailable:
    """The contestant's server, started and shut down by the runner."""
    case = build_case(module, FastmcpCase)
    if isinstance(case, NotAvailable):
        return case
    server = case.server
    if scenario.through_client:
        held_client = client(server)
        run: Callable[[], Awaitable[object]] = client_runner(held_client)
        start, stop = held_client.start, held_client.stop
    else:
        held_lifespan = lifespan(server)
        run = direct_runner(server)
        start, stop = held_lifespan.start, held_lifespan.stop

    async def start_checked() -> None:
        await check_schema(server)
        await start()

    return Trial(
        run,
        is_async=True,
        check=check_results,
        note=case.note,
        start=start_checked,
        close=stop,
    )


def _bullets(info: RunInfo) -> list[str]:
    return [
        f"What the tool does: `async def {TOOL}(item_id: int, ...) -> dict[str, int]`, given "
        "a `Session` made once per call from the `Settings` singleton, and the `Settings` "
        "singleton itself; it returns `{item_id, session serial, the session's settings "
        "serial, settings serial}`, which FastMCP sends as structured content and as JSON "
        "text. Each contestant declares this with its own idiomatic API (see the notes); "
        "*no injection* builds the `Session` in the tool from a module-level `Settings`, the "
        "cheapest correct way and the floor.",
        "One operation is one tool call, made in the same process and event loop: in M1 by "
        "`await server.call_tool(...)` (FastMCP's middleware chain, finding the tool, "
        "argument validation, its dependency system, the tool and converting the result), in "
        "M2 through an in-memory `fastmcp.Client(server)` session opened once, with the "
        "client's defaults (M1 plus the MCP request and response messages through the "
        "client session and the low-level server). Each server's lifespan is started first "
        "(in M2 by the client, as every FastMCP transport does) and shut down after timing. "
        "*µs/call* is the time per call on one core, *calls/s* its inverse, and *added "
        "µs/call* the difference from the floor's µs/call: what the contestant's injection "
        "costs per call. That is a few percent of a direct call and less than the "
        "run-to-run noise of a call through the client (a negative value is noise: nobody "
        "does less than no injection), so M1 is where added costs can be compared; M2 shows "
        "what they are worth next to a client's call.",
        "Checks, before timing: the tool's input schema is `item_id` alone (the injected "
        "parameters are hidden from clients); then two calls: not an error, structured "
        "content equal to the JSON text, the argument's item id; each call was given a "
        "`Session` of its own, built from the same `Settings` the tool was given; both calls "
        "got the same `Settings`. Objects are told apart by serial numbers given when they "
        "are built.",
        timing_bullet(info, "a loop of calls"),
    ]


SUITE = Suite(
    name="fastmcp",
    package="fastmcp_contestants",
    contestants=FASTMCP_CONTESTANTS,
    scenarios=SCENARIOS,
    setup=setup,
    report=ThroughputReport(
        suite="fastmcp",
        heading="Benchmarks: FastMCP tool calls",
        unit="call",
        floor=FLOOR,
        goal=Goal(
            None,
            ahead_of_peers=True,
            text="InjectQ's goal is the lowest added cost per call of the injecting "
            "contestants, that is ahead of every peer, in M1",
            judged_in=("m1_direct",),
            not_judged="the added costs are below the noise of a call through the client",
        ),
        bullets=_bullets,
        see_also="The core-resolution benchmarks are in [benchmarks.md](benchmarks.md).",
        added_cost=True,
    ),
    full=FULL,
    versions=tuple((dist, dist) for dist in DISTRIBUTIONS),
    run_noun="calls",
    summary=", one tool call per run",
)
