"""Calibrated timing loops and interleaved repeats; the result is the median ns per operation.

One repeat runs a case ``n`` times in a tight loop between two ``time.perf_counter_ns``
readings; ``n`` is calibrated so that a repeat lasts about ``target_ns``. The repeats of all
contestants of a scenario are interleaved (round 1 of every contestant, then round 2, ...), so
a burst of load on a shared machine hits every contestant alike rather than one of them. The
garbage collector stays enabled (libraries that make reference cycles pay for them), but a
full collection runs before every repeat so that no repeat inherits another's garbage. A repeat
during which the process got less than 90% of a CPU (it was descheduled for another process,
as ``time.process_time_ns`` shows) is run once more, and the less disturbed of the two counts.
"""

import asyncio
import gc
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from time import perf_counter_ns, process_time_ns
from typing import TypeAlias

Loop: TypeAlias = Callable[[int], int]
"""Runs a case ``n`` times and returns the elapsed nanoseconds."""


@dataclass(frozen=True, slots=True)
class TimingConfig:
    repeats: int
    target_ns: int
    """How long one repeat should last."""


FULL = TimingConfig(repeats=7, target_ns=200_000_000)
QUICK = TimingConfig(repeats=3, target_ns=6_000_000)


def sync_loop(run: Callable[[], object]) -> Loop:
    def loop(n: int) -> int:
        start = perf_counter_ns()
        for _ in repeat(None, n):
            run()
        return perf_counter_ns() - start

    return loop


def async_loop(run: Callable[[], Awaitable[object]], runner: asyncio.Runner) -> Loop:
    """Awaits ``run()`` ``n`` times inside one task on ``runner``'s event loop."""

    async def body(n: int) -> int:
        start = perf_counter_ns()
        for _ in repeat(None, n):
            await run()
        return perf_counter_ns() - start

    def loop(n: int) -> int:
        return runner.run(body(n))

    return loop


CALIBRATION_TRIES = 3


def calibrate(loop: Loop, target_ns: int) -> int:
    """Grow ``n`` until a loop lasts a tenth of the target, then scale it to the target.

    Each step keeps the fastest of a few loops, so that one loop that lost the CPU to another
    process (or paid a one-off cost) does not make ``n`` far too small.
    """
    n = 1
    while True:
        elapsed = min(loop(n) for _ in range(CALIBRATION_TRIES))
        if elapsed * 10 >= target_ns or n >= 1 << 30:
            return max(1, round(n * target_ns / max(elapsed, 1)))
        n *= 4 if elapsed * 100 < target_ns else 2


MIN_CPU_SHARE = 0.9
TRIES = 2


def one_repeat(loop: Loop, n: int) -> float:
    """ns/op of one repeat, run again if the process was descheduled for much of it."""
    best_share = -1.0
    best_ns = 0.0
    for _ in range(TRIES):
        gc.collect()
        cpu_start = process_time_ns()
        wall = loop(n)
        share = (process_time_ns() - cpu_start) / max(wall, 1)
        if share > best_share:
            best_share, best_ns = share, wall / n
        if share >= MIN_CPU_SHARE:
            break
    return best_ns


def interleaved_medians(loops: Sequence[tuple[Loop, int]], repeats: int) -> list[float]:
    """Median ns/op of each ``(loop, n)``, its repeats interleaved with the others'."""
    samples: list[list[float]] = [[] for _ in loops]
    for _ in range(repeats):
        for (loop, n), own in zip(loops, samples, strict=True):
            own.append(one_repeat(loop, n))
    return [statistics.median(own) for own in samples]


def _noop() -> None:
    return None


async def _anoop() -> None:
    return None


def loop_overhead(runner: asyncio.Runner, config: TimingConfig) -> tuple[float, float]:
    """ns/op of the bare loop calling an empty function and awaiting an empty coroutine."""
    loops = [sync_loop(_noop), async_loop(_anoop, runner)]
    sync_ns, async_ns = interleaved_medians(
        [(loop, calibrate(loop, config.target_ns)) for loop in loops], config.repeats
    )
    return sync_ns, async_ns
