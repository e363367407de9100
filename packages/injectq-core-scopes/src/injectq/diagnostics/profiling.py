"""`injectq.diagnostics.profiling`: injectq 0.5.0's profiler API, as a face of this project's
own container.

A `DependencyProfiler` records timings you mark (`begin_resolution` / `end_resolution`,
`profile_resolution`, `profile_method`). Given a container, it also times that container's
`get` and `aget` while it runs (`with DependencyProfiler(container=c):`): it wraps the
container's own two methods for the duration and puts them back after, so resolution itself
is unchanged. A `cache_hit` there means "the same object as this key's previous resolution in
this session" (a singleton or a scope's instance met again), when the object can be
referenced weakly.
"""

from __future__ import annotations

import functools
import statistics
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator

    from .._container import InjectQ

__all__ = ["AggregatedMetrics", "DependencyProfiler", "ResolutionMetrics"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class ResolutionMetrics:
    """One timed resolution."""

    service_type: Any
    resolution_time: float
    cache_hit: bool
    #: with stack tracing: how many distinct keys were being resolved around this one
    dependency_count: int
    #: with stack tracing: how many resolutions were open around this one
    stack_depth: int
    timestamp: float = field(default_factory=time.time)


@dataclass
class AggregatedMetrics:
    """Every timed resolution of one key, summed up."""

    service_type: Any
    total_resolutions: int = 0
    total_time: float = 0.0
    average_time: float = 0.0
    min_time: float = float("inf")
    max_time: float = 0.0
    cache_hit_rate: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0

    def update(self, metrics: ResolutionMetrics) -> None:
        self.total_resolutions += 1
        self.total_time += metrics.resolution_time
        self.average_time = self.total_time / self.total_resolutions
        self.min_time = min(self.min_time, metrics.resolution_time)
        self.max_time = max(self.max_time, metrics.resolution_time)
        if metrics.cache_hit:
            self.cache_hits += 1
        else:
            self.cache_misses += 1
        self.cache_hit_rate = self.cache_hits / self.total_resolutions


class DependencyProfiler:
    """Records how long resolutions take, between `start()` and `stop()` (or in `with`)."""

    def __init__(
        self, enable_stack_tracing: bool = False, *, container: InjectQ | None = None
    ) -> None:
        self._enable_stack_tracing = enable_stack_tracing
        self._container = container
        self._metrics: list[ResolutionMetrics] = []
        self._aggregated: dict[Any, AggregatedMetrics] = {}
        #: per thread: the resolutions begun and not yet ended, with their start times
        self._open: dict[int, list[tuple[Any, float]]] = {}
        #: per key: the object its previous timed `get` returned, while it lives
        self._last_made: dict[Any, weakref.ref[Any]] = {}
        self._restore: Callable[[], None] | None = None
        self._is_active = False
        self._lock = threading.RLock()

    def __enter__(self) -> DependencyProfiler:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Forget what was recorded, and record from now on."""
        with self._lock:
            self.reset()
            self._is_active = True
            if self._container is not None and self._restore is None:
                self._restore = self._time_container(self._container)

    def stop(self) -> None:
        with self._lock:
            self._is_active = False
            if self._restore is not None:
                self._restore()
                self._restore = None

    def is_active(self) -> bool:
        return self._is_active

    def begin_resolution(self, service_type: Any) -> None:
        """Mark that resolving `service_type` begins (in this thread)."""
        if not self._is_active:
            return
        with self._lock:
            opened = self._open.setdefault(threading.get_ident(), [])
            opened.append((service_type, time.perf_counter()))

    def end_resolution(self, service_type: Any, cache_hit: bool = False) -> None:
        """Mark that resolving `service_type` ends; records its time since `begin_resolution`."""
        if not self._is_active:
            return
        end = time.perf_counter()
        with self._lock:
            opened = self._open.get(threading.get_ident(), [])
            start = end
            for index in range(len(opened) - 1, -1, -1):
                if opened[index][0] == service_type:
                    start = opened.pop(index)[1]
                    break
            around = [key for key, _ in opened] if self._enable_stack_tracing else []
            self._record(service_type, end - start, cache_hit, around)

    def _record(self, key: Any, elapsed: float, cache_hit: bool, around: list[Any]) -> None:
        metrics = ResolutionMetrics(key, elapsed, cache_hit, len(set(around)), len(around))
        with self._lock:
            self._metrics.append(metrics)
            aggregated = self._aggregated.get(key)
            if aggregated is None:
                aggregated = self._aggregated[key] = AggregatedMetrics(key)
            aggregated.update(metrics)

    @contextmanager
    def profile_resolution(self, service_type: Any, cache_hit: bool = False) -> Generator[None]:
        """Time the block as one resolution of `service_type`."""
        self.begin_resolution(service_type)
        try:
            yield
        finally:
            self.end_resolution(service_type, cache_hit)

    def profile_method(self, func: Callable[P, R]) -> Callable[P, R]:
        """Time each call of `func`, recorded under its `module.qualname`."""
        name = f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.profile_resolution(name):
                return func(*args, **kwargs)

        return timed

    # timing a container's own get / aget

    def _time_container(self, container: InjectQ) -> Callable[[], None]:
        """Wrap `container.get` and `container.aget`; return what puts them back."""
        methods = vars(container)
        get: Callable[[Any], Any] = container.get
        aget: Callable[[Any], Awaitable[Any]] = container.aget

        def timed_get(key: Any) -> Any:
            start = time.perf_counter()
            made: Any = None
            try:
                made = get(key)
            finally:
                self._record_container(key, start, made)
            return made

        async def timed_aget(key: Any) -> Any:
            start = time.perf_counter()
            made: Any = None
            try:
                made = await aget(key)
            finally:
                self._record_container(key, start, made)
            return made

        methods["get"], methods["aget"] = timed_get, timed_aget

        def restore() -> None:
            # only if still ours: a profiler started later wraps ours and restores it itself
            if methods.get("get") is timed_get:
                methods["get"] = get
            if methods.get("aget") is timed_aget:
                methods["aget"] = aget

        return restore

    def _record_container(self, key: Any, start: float, made: Any) -> None:
        elapsed = time.perf_counter() - start
        if not self._is_active:
            return
        with self._lock:
            previous = self._last_made.get(key)
            cache_hit = made is not None and previous is not None and previous() is made
            try:
                self._last_made[key] = weakref.ref(made)
            except TypeError:  # not weakly referable (str, int, ...): never counted a hit
                self._last_made.pop(key, None)
        self._record(key, elapsed, cache_hit, [])

    # reading what was recorded

    def get_metrics(self) -> list[ResolutionMetrics]:
        with self._lock:
            return list(self._metrics)

    def get_aggregated_metrics(self) -> dict[Any, AggregatedMetrics]:
        with self._lock:
            return dict(self._aggregated)

    def get_slowest_resolutions(self, limit: int = 10) -> list[ResolutionMetrics]:
        with self._lock:
            ordered = sorted(self._metrics, key=lambda m: m.resolution_time, reverse=True)
        return ordered[:limit]

    def get_most_resolved(self, limit: int = 10) -> list[AggregatedMetrics]:
        with self._lock:
            aggregated = list(self._aggregated.values())
        aggregated.sort(key=lambda m: m.total_resolutions, reverse=True)
        return aggregated[:limit]

    def get_cache_performance(self) -> dict[str, float]:
        """`hit_rate`, `hits` and `misses` over every recorded resolution."""
        with self._lock:
            hits = sum(1 for m in self._metrics if m.cache_hit)
            total = len(self._metrics)
        return {"hit_rate": hits / total if total else 0.0, "hits": hits, "misses": total - hits}

    def get_timing_statistics(self) -> dict[str, float]:
        """Total, average, median, min, max and standard deviation, in seconds ({} if none)."""
        with self._lock:
            times = [m.resolution_time for m in self._metrics]
        if not times:
            return {}
        return {
            "total_time": sum(times),
            "average_time": statistics.mean(times),
            "median_time": statistics.median(times),
            "min_time": min(times),
            "max_time": max(times),
            "std_dev": statistics.stdev(times) if len(times) > 1 else 0.0,
        }

    def reset(self) -> None:
        """Forget what was recorded."""
        with self._lock:
            self._metrics.clear()
            self._aggregated.clear()
            self._open.clear()
            self._last_made.clear()

    def report(self, detailed: bool = False) -> str:
        """A plain-text summary; `detailed` adds one section per key."""
        if not self.get_metrics():
            return "No profiling data available."
        timing = self.get_timing_statistics()
        cache = self.get_cache_performance()
        lines = [
            "=== InjectQ Dependency Profiling Report ===",
            "",
            "Overall Statistics:",
            f"  Total resolutions: {len(self.get_metrics())}",
            f"  Total time: {timing['total_time']:.4f}s",
            f"  Average time: {timing['average_time']:.4f}s",
            f"  Median time: {timing['median_time']:.4f}s",
            f"  Cache hit rate: {cache['hit_rate']:.2%}",
            "",
            "Slowest Resolutions:",
        ]
        for number, metrics in enumerate(self.get_slowest_resolutions(5), 1):
            lines.append(f"  {number}. {metrics.service_type} - {metrics.resolution_time:.4f}s")
        lines += ["", "Most Frequently Resolved:"]
        for number, total in enumerate(self.get_most_resolved(5), 1):
            lines.append(f"  {number}. {total.service_type} - {total.total_resolutions} times")
        if detailed:
            lines += ["", "Detailed Service Metrics:"]
            for total in sorted(self.get_aggregated_metrics().values(), key=_service_name):
                lines += [
                    f"\n  {total.service_type}:",
                    f"    Resolutions: {total.total_resolutions}",
                    f"    Total time: {total.total_time:.4f}s",
                    f"    Average time: {total.average_time:.4f}s",
                    f"    Min/Max time: {total.min_time:.4f}s / {total.max_time:.4f}s",
                    f"    Cache hit rate: {total.cache_hit_rate:.2%}",
                ]
        return "\n".join(lines)

    def export_csv(self, filename: str) -> None:
        """Every recorded resolution as a CSV row."""
        import csv
        from pathlib import Path

        with Path(filename).open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(_METRIC_FIELDS)
            for row in self._rows():
                writer.writerow(row.values())

    def export_json(self, filename: str) -> None:
        """The statistics, the per-key totals and every recorded resolution, as JSON."""
        import json
        from dataclasses import asdict
        from pathlib import Path

        aggregated = {
            str(key): {**asdict(total), "service_type": str(key)}
            for key, total in self.get_aggregated_metrics().items()
        }
        data = {
            "timing_statistics": self.get_timing_statistics(),
            "cache_performance": self.get_cache_performance(),
            "aggregated_metrics": aggregated,
            "detailed_metrics": self._rows(),
        }
        Path(filename).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def _rows(self) -> list[dict[str, Any]]:
        return [
            {
                "service_type": str(m.service_type),
                "resolution_time": m.resolution_time,
                "cache_hit": m.cache_hit,
                "dependency_count": m.dependency_count,
                "stack_depth": m.stack_depth,
                "timestamp": m.timestamp,
            }
            for m in self.get_metrics()
        ]


_METRIC_FIELDS = (
    "service_type",
    "resolution_time",
    "cache_hit",
    "dependency_count",
    "stack_depth",
    "timestamp",
)


def _service_name(total: AggregatedMetrics) -> str:
    return str(total.service_type)
