"""`TaskiqScheduler`: taskiq's scheduler with a broker by default, task helpers and results.

It is a `taskiq.TaskiqScheduler`, so `taskiq scheduler module:scheduler` runs it. On top of
that it declares tasks (`@scheduler.task`), sends them now or on a schedule, runs them
in-process through the worker pipeline (`execute_task`, the basis of unit tests), waits for
their results and re-sends failed ones.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any, ParamSpec, TypeAlias, TypeVar, overload

import taskiq
from taskiq import (
    AsyncBroker,
    AsyncTaskiqDecoratedTask,
    AsyncTaskiqTask,
    InMemoryBroker,
    ScheduleSource,
    TaskiqMessage,
    TaskiqMiddleware,
)
from taskiq.kicker import AsyncKicker
from taskiq.receiver import Receiver
from taskiq.result_backends.dummy import DummyResultBackend
from taskiq.schedule_sources import LabelScheduleSource
from taskiq.scheduler.scheduled_task import CronSpec
from taskiq.utils import maybe_awaitable

from injectq import InjectQ, InjectQError

from ._cron import parse_cron
from ._results import RETRIES_LABEL, MessageLog, TaskResult, message_log, retry_count_of
from ._schedules import (
    InMemoryScheduleSource,
    SchedulerError,
    SchedulerTypeError,
    SchedulerValueError,
    checked_cron_offset,
    checked_interval,
    checked_time,
    normalized_schedule_label,
    shown_value,
)
from ._setup import find_middleware

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence
    from datetime import datetime, timedelta
    from types import CoroutineType

    from taskiq.scheduler.created_schedule import CreatedSchedule

# SchedulerError is defined in _schedules, with the checks that raise it
__all__ = ["SchedulerError", "TaskRef", "TaskResultTimeoutError", "TaskiqScheduler"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")

#: a task: the object `@scheduler.task` returned, or its name
TaskRef: TypeAlias = "AsyncTaskiqDecoratedTask[..., Any] | str"


class TaskResultTimeoutError(SchedulerError, TimeoutError):
    """`wait_result` saw no result for the task within its timeout."""

    def __init__(self, problem: str, *, task_id: str, timeout: float, fix: str) -> None:
        super().__init__(problem, fix=fix)
        self.task_id = task_id
        self.timeout = timeout


class TaskiqScheduler(taskiq.TaskiqScheduler):
    """A taskiq scheduler that works with no arguments, and the helpers InjectQ users expect.

    `TaskiqScheduler()` uses an `InMemoryBroker` and two sources: a `LabelScheduleSource`
    (for `@scheduler.task(schedule=[{"cron": ...}])`) and an `InMemoryScheduleSource` (for
    schedules made at run time). Pass `broker=` and `sources=` for anything else, e.g. a
    taskiq-redis broker with `ListRedisScheduleSource`. Dynamic schedules go to the first
    source that can add schedules (`dynamic_source`). The scheduler remembers the last
    `max_remembered_messages` messages sent through its broker, for `retry_task`.
    """

    def __init__(
        self,
        broker: AsyncBroker | None = None,
        sources: Sequence[ScheduleSource] | None = None,
        *,
        max_remembered_messages: int = 1000,
    ) -> None:
        if broker is None:
            broker = InMemoryBroker()
        elif not isinstance(broker, AsyncBroker):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise SchedulerTypeError(
                f"TaskiqScheduler(broker=...) needs a taskiq broker, got {broker!r}",
                fix="pass a broker such as InMemoryBroker() or taskiq_redis.ListQueueBroker(url)",
            )
        source_list: list[ScheduleSource]
        if sources is None:
            source_list = [LabelScheduleSource(broker), InMemoryScheduleSource()]
        else:  # the caller's own list is kept, so that adding to it later works
            source_list = sources if isinstance(sources, list) else list(sources)
        limit = max_remembered_messages
        if isinstance(limit, bool) or not isinstance(limit, int):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise SchedulerTypeError(
                f"max_remembered_messages={limit!r} is not a number of messages",
                fix="pass a positive whole number of messages (the default is 1000)",
            )
        if max_remembered_messages < 1:
            raise SchedulerValueError(
                f"max_remembered_messages={max_remembered_messages!r} cannot remember anything",
                fix="pass a positive number of messages (the default is 1000)",
            )
        super().__init__(broker, source_list)
        self._log: MessageLog = message_log(broker, max_remembered_messages)
        self._receiver: Receiver | None = None

    # declaring tasks

    @overload
    def task(
        self, task_name: Callable[_P, _R], **labels: Any
    ) -> AsyncTaskiqDecoratedTask[_P, _R]: ...
    @overload
    def task(
        self, task_name: str | None = None, **labels: Any
    ) -> Callable[[Callable[_P, _R]], AsyncTaskiqDecoratedTask[_P, _R]]: ...
    def task(self, task_name: Any = None, **labels: Any) -> Any:
        """The broker's task decorator: `@scheduler.task` or `@scheduler.task(name, **labels)`.

        A `schedule=[{"cron": ...}, ...]` label is checked here (a malformed cron string is a
        `CronError` naming the field; see `check_schedule_label`) and its cron strings are
        stored normalized.
        """
        if "schedule" not in labels:
            return self.broker.task(task_name, **labels)
        schedule = labels.pop("schedule")
        if task_name is None:  # @scheduler.task(schedule=...): errors name the function's task

            def decorate(function: Callable[_P, _R]) -> AsyncTaskiqDecoratedTask[_P, _R]:
                checked = normalized_schedule_label(_default_task_name(function), schedule)
                return self.broker.task(None, schedule=checked, **labels)(function)

            return decorate
        where = task_name if isinstance(task_name, str) else _default_task_name(task_name)
        checked = normalized_schedule_label(where, schedule)
        return self.broker.task(task_name, schedule=checked, **labels)

    @property
    def container(self) -> InjectQ:
        """The container `setup_taskiq_integration(scheduler, container)` connected."""
        middleware = find_middleware(self)
        if middleware is None:
            raise SchedulerError(
                "scheduler.container was asked for, but InjectQ is not set up on this "
                "scheduler's broker",
                fix="call setup_taskiq_integration(scheduler, container) first",
            )
        return middleware.container

    @property
    def dynamic_source(self) -> ScheduleSource:
        """The first source that can add schedules: where `schedule_cron` & co. put them."""
        for source in self.sources:
            if type(source).add_schedule is not ScheduleSource.add_schedule:
                return source
        raise SchedulerError(
            "none of this scheduler's sources "
            f"({', '.join(type(s).__name__ for s in self.sources) or 'none'}) can add schedules",
            fix="add one to sources=[...]: InMemoryScheduleSource() in one process, or "
            "taskiq_redis.ListRedisScheduleSource(url) shared with a `taskiq scheduler` process",
        )

    # sending and scheduling

    @overload
    async def schedule_task(
        self,
        task: TaskRef,
        /,
        *args: Any,
        cron: str | CronSpec,
        interval: None = None,
        time: None = None,
        **kwargs: Any,
    ) -> CreatedSchedule[Any]: ...
    @overload
    async def schedule_task(
        self,
        task: TaskRef,
        /,
        *args: Any,
        cron: None = None,
        interval: float | timedelta,
        time: None = None,
        **kwargs: Any,
    ) -> CreatedSchedule[Any]: ...
    @overload
    async def schedule_task(
        self,
        task: TaskRef,
        /,
        *args: Any,
        cron: None = None,
        interval: None = None,
        time: datetime,
        **kwargs: Any,
    ) -> CreatedSchedule[Any]: ...
    @overload
    async def schedule_task(
        self,
        task: TaskRef,
        /,
        *args: Any,
        cron: None = None,
        interval: None = None,
        time: None = None,
        **kwargs: Any,
    ) -> AsyncTaskiqTask[Any]: ...
    async def schedule_task(
        self,
        task: TaskRef,
        /,
        *args: Any,
        cron: str | CronSpec | None = None,
        interval: float | timedelta | None = None,
        time: datetime | None = None,
        **kwargs: Any,
    ) -> AsyncTaskiqTask[Any] | CreatedSchedule[Any]:
        """Send `task(*args, **kwargs)` now, or schedule it.

        With none of `cron`, `interval` (seconds, or a timedelta; whole seconds, at least 1)
        and `time` (a datetime; naive means UTC) the task is sent now and the returned
        `AsyncTaskiqTask` has its `.task_id`. With one of them, a schedule is added to
        `dynamic_source` and taskiq's `CreatedSchedule` is returned (`.schedule_id`,
        `await .unschedule()`). Injected parameters cannot be given a value.
        """
        decorated = self._find_task(task)
        given = [
            name
            for name, value in (("cron", cron), ("interval", interval), ("time", time))
            if value is not None
        ]
        if len(given) > 1:
            raise SchedulerValueError(
                f"schedule_task({decorated.task_name}) was given {' and '.join(given)}; "
                "a schedule has one trigger",
                fix="schedule it once per trigger: one call with cron=..., another with "
                "interval=...",
            )
        if cron is not None:
            return await self.schedule_cron(decorated, *args, cron=cron, **kwargs)
        if interval is not None:
            seconds = checked_interval(interval, f"task {decorated.task_name}")
            self._check_arguments(decorated, args, kwargs)
            return await decorated.kicker().schedule_by_interval(
                self.dynamic_source, seconds, *args, **kwargs
            )
        if time is not None:
            checked_time(time, f"task {decorated.task_name}")
            self._check_arguments(decorated, args, kwargs)
            return await decorated.kicker().schedule_by_time(
                self.dynamic_source, time, *args, **kwargs
            )
        return await decorated.kicker().kiq(*args, **kwargs)

    async def schedule_cron(
        self, task: TaskRef, /, *args: Any, cron: str | CronSpec, **kwargs: Any
    ) -> CreatedSchedule[Any]:
        """Run `task(*args, **kwargs)` on a cron schedule, in `dynamic_source`.

        `cron` is 5 fields (`minute hour day-of-month month day-of-week`, UTC), or a taskiq
        `CronSpec` (which can carry a time zone `offset`). A malformed one is a `CronError`
        that names the wrong field; nothing is added then.
        """
        decorated = self._find_task(task)
        checked = _checked_cron(decorated.task_name, cron)
        self._check_arguments(decorated, args, kwargs)
        source = self.dynamic_source
        return await decorated.kicker().schedule_by_cron(source, checked, *args, **kwargs)

    # running in-process

    @overload
    async def execute_task(
        self,
        task: AsyncTaskiqDecoratedTask[..., CoroutineType[Any, Any, _T]],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> _T: ...
    @overload
    async def execute_task(
        self,
        task: AsyncTaskiqDecoratedTask[..., Coroutine[Any, Any, _T]],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> _T: ...
    @overload  # sync tasks (and names) are `Any`: a generic overload would make pyright
    async def execute_task(  # see async tasks' results as ambiguous, hence `Any` too
        self, task: TaskRef, /, *args: Any, **kwargs: Any
    ) -> Any: ...
    async def execute_task(self, task: TaskRef, /, *args: Any, **kwargs: Any) -> Any:
        """Run `task(*args, **kwargs)` now, in this process, as a worker would run it.

        The message goes through the broker's client middlewares (`pre_send`: giving an
        injected parameter a value is an `InjectedArgumentError`), then through taskiq's own
        receiver: `pre_execute`, the InjectQ scope and injection, the task, `on_error` /
        `post_execute`, the result backend. Returns the task's value, or raises its
        exception (the original object). A retry middleware's retries go to the broker.
        """
        decorated = self._find_task(task)
        message = _MessageKicker(decorated, self.broker).message(*args, **kwargs)
        for middleware in self.broker.middlewares:
            if type(middleware).pre_send is not TaskiqMiddleware.pre_send:
                message = await maybe_awaitable(middleware.pre_send(message))
        data = self.broker.formatter.dumps(message).message
        outcome = self._log.expect(message.task_id, retry_count_of(message.labels))
        try:
            # its own asyncio task: the run's context changes never reach the caller's
            await asyncio.ensure_future(self._worker_receiver().callback(data))
        finally:
            self._log.forget(message.task_id)
        if outcome.error is not None:
            raise outcome.error
        if outcome.result is None:
            raise SchedulerError(
                f"execute_task({decorated.task_name}) got no result from the worker pipeline",
                fix="a taskiq middleware's pre_execute may have dropped the message; check "
                "the log of logger 'taskiq.receiver'",
            )
        return outcome.result.return_value

    def _worker_receiver(self) -> Receiver:
        if isinstance(self.broker, InMemoryBroker):
            return self.broker.receiver
        if self._receiver is None:
            self._receiver = Receiver(self.broker, max_async_tasks=100, run_startup=False)
        return self._receiver

    # results and retries

    async def wait_result(
        self,
        task_id: str | AsyncTaskiqTask[Any],
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 (the API the user's documents use)
        check_interval: float = 0.01,
    ) -> TaskResult:
        """Wait (at most `timeout` seconds) for the task's result; a `TaskResult`.

        After `retry_task`, this waits for the new attempt's result, not the old failure.
        No result in time is a `TaskResultTimeoutError` (a `TimeoutError`).
        """
        task_id = task_id if isinstance(task_id, str) else task_id.task_id
        _check_wait(task_id, timeout, check_interval)
        backend = self._result_backend(f"wait_result({task_id!r})")
        sent = self._log.sent(task_id)
        attempt = retry_count_of(sent.labels) if sent is not None else 0
        name = sent.task_name if sent is not None else ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if await backend.is_result_ready(task_id):
                result = TaskResult.from_taskiq(task_id, await backend.get_result(task_id), name)
                if result.retry_count >= attempt:
                    return result
            if loop.time() >= deadline:
                raise _timeout(task_id, name, timeout, attempt, self.broker)
            await asyncio.sleep(check_interval)

    async def retry_task(self, task_id: str | TaskResult) -> AsyncTaskiqTask[Any]:
        """Re-send a failed task's original message, its retry count (`_retries`) + 1.

        The task id stays the same; the new attempt runs in a fresh scope. Only a task whose
        message this scheduler remembers (sent through its broker in this process) and whose
        last attempt failed can be retried.
        """
        task_id = task_id if isinstance(task_id, str) else task_id.task_id
        sent = self._log.sent(task_id)
        if sent is None:
            raise SchedulerError(
                f"retry_task({task_id!r}): this scheduler has no record of a message with "
                "that task id",
                fix="retry tasks sent through this scheduler's broker in this process (it "
                f"remembers the last {self._log.limit}); for others, send the task again "
                "with schedule_task(...)",
            )
        backend = self._result_backend(f"retry_task({task_id!r})")
        attempt = retry_count_of(sent.labels)
        if not await backend.is_result_ready(task_id):
            raise SchedulerError(
                f"retry_task({task_id!r}): task {sent.task_name} has no result yet, so it has "
                "not failed",
                fix="wait for it first: result = await scheduler.wait_result(task_id, "
                "timeout=...), then retry if not result.success",
            )
        result = TaskResult.from_taskiq(task_id, await backend.get_result(task_id))
        if result.retry_count < attempt:
            raise SchedulerError(
                f"retry_task({task_id!r}): attempt {attempt + 1} of task {sent.task_name} "
                "was already sent and has no result yet",
                fix="wait for it with scheduler.wait_result(task_id, timeout=...) before "
                "retrying again",
            )
        if result.success:
            raise SchedulerError(
                f"retry_task({task_id!r}): task {sent.task_name} succeeded; only a failed "
                "task can be retried",
                fix="to run it again, send it anew with scheduler.schedule_task(...)",
            )
        original = sent.model_copy(deep=True)
        original.parse_labels()  # back to their own types, so that they are re-sent as such
        labels = dict(original.labels)
        labels[RETRIES_LABEL] = max(attempt, result.retry_count) + 1
        kicker: AsyncKicker[Any, Any] = AsyncKicker(original.task_name, self.broker, labels)
        return await kicker.with_task_id(task_id).kiq(*original.args, **original.kwargs)

    def _result_backend(self, asked: str) -> taskiq.AsyncResultBackend[Any]:
        backend: taskiq.AsyncResultBackend[Any] = self.broker.result_backend
        if isinstance(backend, DummyResultBackend):
            raise SchedulerError(
                f"{asked}: the scheduler's broker has no result backend, so results are not kept",
                fix="give the broker one, e.g. "
                "broker.with_result_backend(RedisAsyncResultBackend(redis_url))",
            )
        return backend

    # helpers

    def _find_task(self, task: object) -> AsyncTaskiqDecoratedTask[..., Any]:
        name = task if isinstance(task, str) else getattr(task, "task_name", None)
        if not isinstance(name, str):
            raise SchedulerTypeError(
                f"{task!r} is not a task",
                fix="decorate the function with @scheduler.task and pass what it returns "
                "(or the task's name)",
            )
        found = self.broker.find_task(name)
        if found is None:
            raise SchedulerError(
                f"task {name!r} is not registered on this scheduler's broker",
                fix="declare it with @scheduler.task (or on the broker given as broker=), "
                "and import its module before sending it",
            )
        return found

    def _check_arguments(
        self, task: AsyncTaskiqDecoratedTask[..., Any], args: tuple[Any, ...], kwargs: Any
    ) -> None:
        """Reject values for injected parameters now, not when the schedule fires."""
        middleware = find_middleware(self)
        if middleware is not None:
            middleware.pre_send(_MessageKicker(task, self.broker).message(*args, **kwargs))


class _MessageKicker(AsyncKicker[Any, Any]):
    """Builds a task's message exactly as `.kiq()` would, without sending it."""

    def __init__(self, task: AsyncTaskiqDecoratedTask[..., Any], broker: AsyncBroker) -> None:
        super().__init__(task.task_name, broker, dict(task.labels))

    def message(self, *args: Any, **kwargs: Any) -> TaskiqMessage:
        return self._prepare_message(*args, **kwargs)


def _default_task_name(function: object) -> str:
    """The name a task declared without one goes by in messages (taskiq's `module:function`,
    except for `__main__` modules and lambdas, which taskiq names otherwise)."""
    module = getattr(function, "__module__", None)
    name = getattr(function, "__name__", None)
    if not isinstance(name, str):
        return ""
    return f"{module}:{name}" if isinstance(module, str) else name


def _checked_cron(task_name: str, cron: object) -> str | CronSpec:
    if isinstance(cron, CronSpec):
        try:
            parsed = parse_cron(cron.to_cron())
        except InjectQError as error:
            raise error.within(f"task {task_name}") from None
        minutes, hours, days, months, weekdays = parsed.normalized.split(" ")
        offset = cron.offset
        if offset is not None:
            offset = checked_cron_offset(offset, f"task {task_name}")
        return CronSpec(
            minutes=minutes, hours=hours, days=days, months=months, weekdays=weekdays, offset=offset
        )
    try:
        return parse_cron(cron).normalized
    except InjectQError as error:
        raise error.within(f"task {task_name}") from None


def _check_wait(task_id: str, timeout: object, check_interval: object) -> None:
    """`wait_result`'s durations: positive seconds; a finite poll interval (the timeout may be
    `math.inf`, to wait for as long as it takes)."""
    asked = (
        f"wait_result({task_id!r}, timeout={shown_value(timeout)}, "
        f"check_interval={shown_value(check_interval)})"
    )
    for name, value in (("timeout", timeout), ("check_interval", check_interval)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchedulerTypeError(
                f"{asked}: {name} is not a number of seconds",
                fix=f"pass {name} in seconds, e.g. timeout=30, check_interval=0.1",
            )
        if isinstance(value, int) and value.bit_length() > 64:  # no float holds it
            raise SchedulerValueError(
                f"{asked}: {name} is too large",
                fix="pass seconds (timeout=math.inf waits for as long as it takes)",
            )
        if not value > 0 or (name == "check_interval" and not math.isfinite(value)):
            raise SchedulerValueError(
                f"{asked} cannot wait: {name} must be a positive"
                f"{' finite' if name == 'check_interval' else ''} number of seconds",
                fix="pass a positive timeout and check_interval, in seconds",
            )


def _timeout(
    task_id: str, name: str, timeout: float, attempt: int, broker: AsyncBroker
) -> TaskResultTimeoutError:
    what = f"task {name} ({task_id})" if name else f"task {task_id}"
    if attempt:
        what += f", attempt {attempt + 1},"
    if isinstance(broker, InMemoryBroker):
        fix = (
            "the task is still running, or was not sent through this scheduler's broker; "
            "wait longer with wait_result(task_id, timeout=...)"
        )
    else:
        fix = (
            "make sure a worker runs for this broker (taskiq worker module:broker) and "
            "that it uses the same result backend; or wait longer with timeout=..."
        )
    return TaskResultTimeoutError(
        f"no result for {what} within {timeout:g} s",
        task_id=task_id,
        timeout=timeout,
        fix=fix,
    )
