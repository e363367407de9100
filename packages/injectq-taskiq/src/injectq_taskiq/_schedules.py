"""`InMemoryScheduleSource`: a dynamic schedule source kept in the scheduler's process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskiq import ScheduleSource

if TYPE_CHECKING:
    from taskiq import ScheduledTask


class InMemoryScheduleSource(ScheduleSource):
    """Schedules added at run time (`add_schedule`), held in memory.

    This is the default dynamic source of InjectQ's `TaskiqScheduler`. Its schedules live in
    the process that added them: they fire only when the scheduler loop runs in that same
    process. For a separate `taskiq scheduler` process, use a shared source such as
    taskiq-redis's `ListRedisScheduleSource`. A one-shot (`time=`) schedule is removed once
    it has been sent; deleting an unknown schedule id does nothing (cancelling is idempotent).
    """

    def __init__(self) -> None:
        self.schedules: dict[str, ScheduledTask] = {}

    async def get_schedules(self) -> list[ScheduledTask]:
        return list(self.schedules.values())

    async def add_schedule(self, schedule: ScheduledTask) -> None:
        self.schedules[schedule.schedule_id] = schedule

    async def delete_schedule(self, schedule_id: str) -> None:
        self.schedules.pop(schedule_id, None)

    def post_send(self, task: ScheduledTask) -> None:
        if task.time is not None and task.cron is None and task.interval is None:
            self.schedules.pop(task.schedule_id, None)

    def __repr__(self) -> str:
        return f"<InMemoryScheduleSource with {len(self.schedules)} schedule(s)>"
