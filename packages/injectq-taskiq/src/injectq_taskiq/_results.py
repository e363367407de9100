"""Task results as the scheduler reports them, and the log of messages it sent."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskiq import TaskiqMiddleware

#: the label under which the sender records the task's name (results carry labels)
TASK_NAME_LABEL = "injectq_task_name"

if TYPE_CHECKING:
    from taskiq import AsyncBroker, TaskiqMessage, TaskiqResult

#: the label taskiq's retry middlewares (and `retry_task`) count attempts with
RETRIES_LABEL = "_retries"


@dataclass(frozen=True, slots=True)
class TaskResult:
    """The outcome of one task run, as `TaskiqScheduler.wait_result` reports it.

    `retry_count` is 0 for the first attempt (taskiq's `_retries` label); `duration` is the
    task's execution time in seconds, as the worker measured it (taskiq rounds it to 10 ms).
    """

    task_id: str
    task_name: str
    success: bool
    result: Any
    error: BaseException | None
    retry_count: int
    duration: float
    labels: dict[str, Any] = field(default_factory=dict[str, Any], repr=False)

    @classmethod
    def from_taskiq(
        cls, task_id: str, result: TaskiqResult[Any], task_name: str = ""
    ) -> TaskResult:
        """Build from a taskiq result; `task_name` is used when its labels do not name it."""
        labels = dict(result.labels)
        return cls(
            task_id=task_id,
            task_name=str(labels.get(TASK_NAME_LABEL) or task_name),
            success=not result.is_err,
            result=result.return_value,
            error=result.error,
            retry_count=retry_count_of(labels),
            duration=float(result.execution_time),
            labels=labels,
        )

    def unwrap(self) -> Any:
        """The task's return value, or its exception raised."""
        if self.error is not None:
            raise self.error
        return self.result


def retry_count_of(labels: dict[str, Any]) -> int:
    """The attempt number (0 = first) recorded in a message's or a result's labels."""
    try:
        return int(labels.get(RETRIES_LABEL, 0) or 0)
    except (TypeError, ValueError):
        return 0


class Outcome:
    """What became of a run that `execute_task` asked for (filled in by `MessageLog`)."""

    __slots__ = ("attempt", "error", "result")

    def __init__(self, attempt: int) -> None:
        self.attempt = attempt
        self.error: BaseException | None = None
        self.result: TaskiqResult[Any] | None = None


class MessageLog(TaskiqMiddleware):
    """The scheduler's taskiq middleware.

    Client side, it names the task in every message's labels (results carry labels) and
    remembers the last `limit` messages sent, so that a failed task can be re-sent. Worker
    side, it hands `execute_task` the result and the original exception of its runs.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._sent: OrderedDict[str, TaskiqMessage] = OrderedDict()
        self._runs: dict[str, Outcome] = {}

    def sent(self, task_id: str) -> TaskiqMessage | None:
        """The last message sent with this task id (retries reuse it), if still remembered."""
        return self._sent.get(task_id)

    def expect(self, task_id: str, attempt: int = 0) -> Outcome:
        outcome = self._runs[task_id] = Outcome(attempt)
        return outcome

    def forget(self, task_id: str) -> None:
        self._runs.pop(task_id, None)

    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        message.labels.setdefault(TASK_NAME_LABEL, message.task_name)
        return message

    def post_send(self, message: TaskiqMessage) -> None:
        self._sent[message.task_id] = message
        self._sent.move_to_end(message.task_id)
        while len(self._sent) > self.limit:
            self._sent.popitem(last=False)

    def on_error(
        self, message: TaskiqMessage, result: TaskiqResult[Any], exception: BaseException
    ) -> None:
        outcome = self._outcome(message)
        if outcome is not None:
            outcome.error = exception

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        outcome = self._outcome(message)
        if outcome is not None:
            outcome.result = result

    def _outcome(self, message: TaskiqMessage) -> Outcome | None:
        outcome = self._runs.get(message.task_id)
        if outcome is None or outcome.attempt != retry_count_of(message.labels):
            return None  # not asked for, or a later attempt that a retry middleware sent
        return outcome


def message_log(broker: AsyncBroker, limit: int) -> MessageLog:
    """The broker's `MessageLog`, added on first use (schedulers sharing a broker share it)."""
    for middleware in broker.middlewares:
        if isinstance(middleware, MessageLog):
            middleware.limit = max(middleware.limit, limit)
            return middleware
    log = MessageLog(limit)
    broker.add_middlewares(log)
    return log
