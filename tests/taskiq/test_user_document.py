"""Every example of the user's taskiq document, made runnable.

The user's description of the taskiq integration (`../shared/seed/taskiq-integration.md`)
shows sketches: services built without their constructor arguments, helpers that are never
defined, `from taskiq import TaskiqScheduler` with no broker. Here each example runs for real,
with concrete in-memory services, InjectQ's no-argument `TaskiqScheduler` (an InMemoryBroker
that goes through taskiq's real receiver) and no mocks of InjectQ or taskiq. The tests are
grouped in the document's order. Where a sketch cannot work as written, the test checks what
the user meant and a comment says what changed (the guide, docs/integrations/taskiq.md, lists
the same differences).
"""

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Protocol

import pytest

from injectq import InjectQ, Module, scoped, singleton, transient
from injectq.integrations.taskiq import (
    CronError,
    InjectedArgumentError,
    InjectQDependency,
    TaskiqMiddleware,
    TaskiqScheduler,
    setup_taskiq_integration,
    task_entry_points,
)

# --------------------------------------------------------------------------------------------
# Domain objects and service interfaces (the document's "Service Definitions", completed with
# every method its tasks call)
# --------------------------------------------------------------------------------------------


@dataclass
class User:
    id: int
    email: str
    name: str = ""
    status: str = "active"
    due_reminders: tuple[str, ...] = ()


@dataclass
class Order:
    id: int
    user_id: int
    total: float
    status: str = "new"


@dataclass(frozen=True)
class Sent:
    """One email the fake SMTP transport delivered."""

    kind: str
    to: str
    detail: str = ""


@dataclass
class PaymentResult:
    success: bool
    user_id: int
    amount: float


class IDatabaseConnection(Protocol):
    def query(self, model: type) -> "Query": ...
    def add(self, row: object) -> None: ...
    def commit(self) -> None: ...


class IEmailService(Protocol):
    async def send_welcome_email(self, email: str) -> None: ...
    async def send_order_confirmation(self, email: str, order_id: int) -> None: ...
    async def send_payment_failed(self, email: str) -> None: ...
    async def send_template_email(
        self, email: str, template: str, context: dict[str, str]
    ) -> None: ...
    async def send_reminder_email(self, email: str, reminder_type: str) -> None: ...
    async def send_notification(self, email: str, message: str) -> None: ...


class IUserService(Protocol):
    def get_user(self, user_id: int) -> User: ...
    def update_user_status(self, user_id: int, status: str) -> None: ...
    def get_order(self, order_id: int) -> Order: ...
    def get_users_due_for_reminder(self, reminder_type: str) -> list[User]: ...


class INotificationService(Protocol):
    async def send_order_confirmation(self, order_id: int) -> None: ...
    async def send_payment_failed(self, user_id: int) -> None: ...
    async def send_high_value_order_alert(self, order_id: int) -> None: ...
    async def send_payment_reminder(self, user_id: int, amount: float, due_date: str) -> None: ...
    async def send_payment_success(self, user_id: int, amount: float) -> None: ...
    async def send_order_processed_notification(self, order_id: int) -> None: ...


class IDataProcessor(Protocol):
    async def process_data(self, data: dict[str, Any]) -> dict[str, Any]: ...
    async def process_user_data(self, raw: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class IDataStorage(Protocol):
    async def get_user_data(self, user_id: int, data_type: str) -> list[dict[str, Any]]: ...
    async def store_processed_data(
        self, user_id: int, data_type: str, data: list[dict[str, Any]]
    ) -> None: ...
    async def cleanup_old_data(self, cutoff: datetime) -> int: ...


class IPaymentService(Protocol):
    async def process_payment(self, payment_data: dict[str, Any]) -> PaymentResult: ...


class IOrderService(Protocol):
    async def process_order(self, order_id: int) -> Order: ...


class IMetricsService(Protocol):
    def increment(self, name: str) -> None: ...
    def histogram(self, name: str, value: float) -> None: ...


class ILogger(Protocol):
    def error(self, message: str) -> None: ...


# --------------------------------------------------------------------------------------------
# Implementations: in-memory, so that every effect can be asserted
# --------------------------------------------------------------------------------------------


class Query:
    """The slice of an ORM query that the document's UserService uses."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def filter(self, **criteria: object) -> "Query":
        return Query(
            [row for row in self.rows if all(getattr(row, k) == v for k, v in criteria.items())]
        )

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def all(self) -> list[Any]:
        return list(self.rows)


class InMemoryDatabase:
    """IDatabaseConnection over dicts of rows."""

    def __init__(self, *rows: object) -> None:
        self.tables: dict[type, list[Any]] = {}
        self.commits = 0
        for row in rows:
            self.add(row)

    def query(self, model: type) -> Query:
        return Query(self.tables.get(model, []))

    def add(self, row: object) -> None:
        self.tables.setdefault(type(row), []).append(row)

    def commit(self) -> None:
        self.commits += 1


def seeded_users() -> list[object]:
    return [
        User(123, "user123@example.com", "Ada", "active", ("payment_due",)),
        User(456, "user456@example.com", "Grace", "inactive"),
        User(789, "user789@example.com", "Linus", "active", ("payment_due", "renewal")),
        Order(456, user_id=123, total=250.0),
        Order(457, user_id=789, total=4200.0),
    ]


class PostgresConnection(InMemoryDatabase):
    """Stands in for the production connection of the document's InfrastructureModule."""

    def __init__(self) -> None:
        super().__init__(*seeded_users())
        self.dsn = os.environ.get("DATABASE_URL", "postgresql://localhost/app")


class SMTPConfig:
    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host = host
        self.port = port
        self.sender = sender

    @classmethod
    def from_env(cls) -> "SMTPConfig":
        return cls(
            os.environ.get("SMTP_HOST", "localhost"),
            int(os.environ.get("SMTP_PORT", "25")),
            os.environ.get("SMTP_SENDER", "noreply@example.com"),
        )


class EmailService:
    """The document's EmailService; its transport appends to `outbox` instead of printing."""

    def __init__(self, smtp_config: SMTPConfig) -> None:
        self.smtp_config = smtp_config
        self.outbox: list[Sent] = []

    async def send_welcome_email(self, email: str) -> None:
        self.outbox.append(Sent("welcome", email))

    async def send_order_confirmation(self, email: str, order_id: int) -> None:
        self.outbox.append(Sent("order_confirmation", email, str(order_id)))

    async def send_payment_failed(self, email: str) -> None:
        self.outbox.append(Sent("payment_failed", email))

    async def send_template_email(self, email: str, template: str, context: dict[str, str]) -> None:
        self.outbox.append(Sent(template, email, context["name"]))

    async def send_reminder_email(self, email: str, reminder_type: str) -> None:
        self.outbox.append(Sent("reminder", email, reminder_type))

    async def send_notification(self, email: str, message: str) -> None:
        self.outbox.append(Sent("notification", email, message))


class UserService:
    def __init__(self, db: IDatabaseConnection) -> None:
        self.db = db

    def get_user(self, user_id: int) -> User:
        return self.db.query(User).filter(id=user_id).first()

    def update_user_status(self, user_id: int, status: str) -> None:
        user = self.get_user(user_id)
        user.status = status
        self.db.commit()

    def get_order(self, order_id: int) -> Order:
        return self.db.query(Order).filter(id=order_id).first()

    def get_users_due_for_reminder(self, reminder_type: str) -> list[User]:
        return [u for u in self.db.query(User).all() if reminder_type in u.due_reminders]


ADMIN_EMAIL = "orders-admin@example.com"


class NotificationService:
    def __init__(self, email_svc: IEmailService, user_svc: IUserService) -> None:
        self.email_svc = email_svc
        self.user_svc = user_svc

    async def send_order_confirmation(self, order_id: int) -> None:
        # the sketch reads `self.db.get_order(...)`, but NotificationService has no `db`: the
        # order comes from the user service, as in the document's send_order_notifications
        order = self.user_svc.get_order(order_id)
        user = self.user_svc.get_user(order.user_id)
        await self.email_svc.send_order_confirmation(user.email, order_id)

    async def send_payment_failed(self, user_id: int) -> None:
        user = self.user_svc.get_user(user_id)
        await self.email_svc.send_payment_failed(user.email)

    async def send_high_value_order_alert(self, order_id: int) -> None:
        await self.email_svc.send_notification(ADMIN_EMAIL, f"high value order {order_id}")

    async def send_payment_reminder(self, user_id: int, amount: float, due_date: str) -> None:
        user = self.user_svc.get_user(user_id)
        await self.email_svc.send_notification(user.email, f"{amount:.2f} due on {due_date}")

    async def send_payment_success(self, user_id: int, amount: float) -> None:
        user = self.user_svc.get_user(user_id)
        await self.email_svc.send_notification(user.email, f"payment of {amount:.2f} received")

    async def send_order_processed_notification(self, order_id: int) -> None:
        order = self.user_svc.get_order(order_id)
        user = self.user_svc.get_user(order.user_id)
        await self.email_svc.send_notification(user.email, f"order {order_id} {order.status}")


class DataProcessor:
    """Normalizes records; a record without a value is invalid."""

    async def process_data(self, data: dict[str, Any]) -> dict[str, Any]:
        if "value" not in data:
            raise ValueError("record has no value")
        return {key: str(value).upper() for key, value in data.items()}

    async def process_user_data(self, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [await self.process_data(record) for record in raw]


@dataclass
class Record:
    user_id: int
    data_type: str
    rows: list[dict[str, Any]]
    created_at: datetime = field(default_factory=datetime.now)


class InMemoryDataStorage:
    def __init__(self) -> None:
        self.raw: dict[tuple[int, str], list[dict[str, Any]]] = {}
        self.processed: list[Record] = []

    async def get_user_data(self, user_id: int, data_type: str) -> list[dict[str, Any]]:
        return self.raw[(user_id, data_type)]

    async def store_processed_data(
        self, user_id: int, data_type: str, data: list[dict[str, Any]]
    ) -> None:
        self.processed.append(Record(user_id, data_type, data))

    async def cleanup_old_data(self, cutoff: datetime) -> int:
        kept = [record for record in self.processed if record.created_at >= cutoff]
        deleted = len(self.processed) - len(kept)
        self.processed = kept
        return deleted


class FakePaymentGateway:
    async def process_payment(self, payment_data: dict[str, Any]) -> PaymentResult:
        success = payment_data.get("card") != "declined"
        return PaymentResult(success, payment_data["user_id"], payment_data["amount"])


class OrderService:
    def __init__(self, users: IUserService) -> None:
        self.users = users

    async def process_order(self, order_id: int) -> Order:
        order = self.users.get_order(order_id)
        order.status = "processed"
        return order


class InMemoryMetrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.histograms: dict[str, list[float]] = {}

    def increment(self, name: str) -> None:
        self.counters[name] += 1

    def histogram(self, name: str, value: float) -> None:
        self.histograms.setdefault(name, []).append(value)


class ListLogger:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)


# The document's task-scoped services, as written (plus `Any`, `uuid` and `time` imported)


@scoped
class TaskContext:
    def __init__(self) -> None:
        self.task_id = str(uuid.uuid4())
        self.start_time = time.time()
        self.metadata: dict[str, Any] = {}

    def set_metadata(self, key: str, value: Any) -> None:
        self.metadata[key] = value

    def get_duration(self) -> float:
        return time.time() - self.start_time


@scoped
class TaskMetrics:
    def __init__(self) -> None:
        self.operations: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def record_operation(self, operation: str, duration: float) -> None:
        self.operations.append(
            {"operation": operation, "duration": duration, "timestamp": time.time()}
        )

    def record_error(self, error: str) -> None:
        self.errors.append({"error": error, "timestamp": time.time()})


@singleton
class MetricsExporter:
    """Receives each task's TaskMetrics when the task's scope closes (see `task_metrics`)."""

    def __init__(self) -> None:
        self.exported: list[TaskMetrics] = []


def task_metrics(exporter: MetricsExporter) -> Iterator[TaskMetrics]:
    """A scoped factory for TaskMetrics: it hands the metrics over when the task ends, also
    when the task failed (the task's exception is thrown in at the `yield`)."""
    metrics = TaskMetrics()
    try:
        yield metrics
    finally:
        exporter.exported.append(metrics)


# --------------------------------------------------------------------------------------------
# Containers and schedulers as the document builds them
# --------------------------------------------------------------------------------------------


def application_container() -> InjectQ:
    """The document's basic setup: interfaces bound to their implementations.

    The sketch binds instances built with no arguments (`EmailService()`), which cannot work:
    they need an SMTPConfig and a database. Binding the classes lets InjectQ build them (as
    singletons) from their constructors' type hints.
    """
    container = InjectQ()
    container.bind(SMTPConfig, SMTPConfig("smtp.test", 2525, "noreply@example.com"))
    container.bind(IDatabaseConnection, InMemoryDatabase(*seeded_users()))
    container.bind(IEmailService, EmailService)
    container.bind(IUserService, UserService)
    container.bind(INotificationService, NotificationService)
    container.bind(IDataProcessor, DataProcessor())
    container.bind(IDataStorage, InMemoryDataStorage())
    container.bind(IPaymentService, FakePaymentGateway())
    container.bind(IOrderService, OrderService)
    container.bind_factory(TaskMetrics, task_metrics, scope="scoped")
    return container


@pytest.fixture
def container() -> InjectQ:
    return application_container()


@pytest.fixture
async def scheduler(container: InjectQ) -> AsyncIterator[TaskiqScheduler]:
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)
    await scheduler.startup()
    yield scheduler
    await scheduler.shutdown()


def outbox(scheduler: TaskiqScheduler) -> list[Sent]:
    email = scheduler.container.get(IEmailService)
    assert isinstance(email, EmailService)
    return email.outbox


# --------------------------------------------------------------------------------------------
# Getting started: basic setup
# --------------------------------------------------------------------------------------------


def define_getting_started_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def send_welcome_email(
        user_id: int,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> None:
        user = user_service.get_user(user_id)
        await email_service.send_welcome_email(user.email)

    @scheduler.task
    async def process_order(
        order_id: int,
        notification_svc: INotificationService = InjectQDependency(INotificationService),
    ) -> None:
        await notification_svc.send_order_confirmation(order_id)

    return SimpleNamespace(send_welcome_email=send_welcome_email, process_order=process_order)


async def test_scheduled_tasks_run_with_their_services_injected(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_getting_started_tasks(scheduler)

    welcome = await scheduler.schedule_task(tasks.send_welcome_email, user_id=123)
    order = await scheduler.schedule_task(tasks.process_order, order_id=456)

    welcome_result = await scheduler.wait_result(welcome.task_id, timeout=5)
    order_result = await scheduler.wait_result(order.task_id, timeout=5)
    assert welcome_result.success, welcome_result.error
    assert order_result.success, order_result.error
    assert welcome_result.task_id == welcome.task_id
    assert welcome_result.task_name.endswith("send_welcome_email")
    assert welcome_result.error is None
    assert welcome_result.retry_count == 0
    assert welcome_result.duration >= 0
    assert outbox(scheduler) == [
        Sent("welcome", "user123@example.com"),
        Sent("order_confirmation", "user123@example.com", "456"),
    ]


async def test_the_scheduler_exposes_the_container_it_was_set_up_with(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    assert scheduler.container is container


# --------------------------------------------------------------------------------------------
# Service definitions
# --------------------------------------------------------------------------------------------


def test_notification_service_is_autowired_from_the_email_and_user_services(
    container: InjectQ,
) -> None:
    notifications = container.get(INotificationService)

    assert isinstance(notifications, NotificationService)
    assert notifications.email_svc is container.get(IEmailService)
    assert notifications.user_svc is container.get(IUserService)
    email = container.get(IEmailService)
    assert isinstance(email, EmailService)
    assert email.smtp_config.host == "smtp.test"


def test_user_service_updates_a_status_and_commits(container: InjectQ) -> None:
    users = container.get(IUserService)

    users.update_user_status(123, "vip")

    assert users.get_user(123).status == "vip"
    database = container.get(IDatabaseConnection)
    assert isinstance(database, InMemoryDatabase)
    assert database.commits == 1


async def test_payment_failed_notification_reaches_the_user(
    scheduler: TaskiqScheduler,
) -> None:
    await scheduler.container.get(INotificationService).send_payment_failed(789)

    assert outbox(scheduler) == [Sent("payment_failed", "user789@example.com")]


# --------------------------------------------------------------------------------------------
# Task-scoped services
# --------------------------------------------------------------------------------------------


def define_scoped_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def complex_task(
        data: dict[str, Any],
        ctx: TaskContext = InjectQDependency(TaskContext),
        metrics: TaskMetrics = InjectQDependency(TaskMetrics),
        processor: IDataProcessor = InjectQDependency(IDataProcessor),
    ) -> dict[str, Any]:
        ctx.set_metadata("input_size", len(data))
        try:
            start_time = time.time()
            result = await processor.process_data(data)
            duration = time.time() - start_time
            metrics.record_operation("process_data", duration)
            return result
        except Exception as e:
            metrics.record_error(str(e))
            raise

    @scheduler.task
    async def two_views_of_the_context(
        first: TaskContext = InjectQDependency(TaskContext),
        second: TaskContext = InjectQDependency(TaskContext),
        metrics: TaskMetrics = InjectQDependency(TaskMetrics),
        same_metrics: TaskMetrics = InjectQDependency(TaskMetrics),
    ) -> dict[str, Any]:
        return {
            "task_id": first.task_id,
            "same_context": first is second,
            "same_metrics": metrics is same_metrics,
        }

    return SimpleNamespace(complex_task=complex_task, two_views=two_views_of_the_context)


async def test_scoped_services_are_one_instance_within_a_task_run(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_scoped_tasks(scheduler)

    seen = await scheduler.execute_task(tasks.two_views)

    assert seen["same_context"]
    assert seen["same_metrics"]


async def test_two_task_runs_get_separate_task_contexts(scheduler: TaskiqScheduler) -> None:
    tasks = define_scoped_tasks(scheduler)

    first = await scheduler.execute_task(tasks.two_views)
    second = await scheduler.execute_task(tasks.two_views)
    concurrent = await asyncio.gather(*(scheduler.execute_task(tasks.two_views) for _ in range(20)))

    ids = {first["task_id"], second["task_id"], *(run["task_id"] for run in concurrent)}
    assert len(ids) == 22


async def test_complex_task_records_its_operation_in_its_own_metrics(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    tasks = define_scoped_tasks(scheduler)

    result = await scheduler.execute_task(tasks.complex_task, data={"value": "ok", "n": 1})
    await scheduler.execute_task(tasks.complex_task, data={"value": "again"})

    assert result == {"value": "OK", "n": "1"}
    exported = container.get(MetricsExporter).exported
    assert len(exported) == 2
    assert exported[0] is not exported[1]
    assert [op["operation"] for op in exported[0].operations] == ["process_data"]
    assert [op["operation"] for op in exported[1].operations] == ["process_data"]
    assert exported[0].errors == []


async def test_complex_task_records_the_error_in_its_metrics_and_reraises(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    tasks = define_scoped_tasks(scheduler)

    with pytest.raises(ValueError, match="record has no value"):
        await scheduler.execute_task(tasks.complex_task, data={"n": 1})

    (metrics,) = container.get(MetricsExporter).exported
    assert metrics.operations == []
    assert [entry["error"] for entry in metrics.errors] == ["record has no value"]


# --------------------------------------------------------------------------------------------
# Module-based setup
# --------------------------------------------------------------------------------------------


class TaskModule(Module):
    def configure(self, binder: Any) -> None:
        # Task-specific services: classes, built with their dependencies (the sketch's
        # `EmailService()` has no SMTPConfig to give)
        binder.bind(IEmailService, EmailService)
        binder.bind(IUserService, UserService)
        binder.bind(INotificationService, NotificationService)

        # Task context services: the class, so that its @scoped mark applies. The sketch's
        # `binder.bind(TaskContext, TaskContext())` would bind one instance shared by every
        # task (see test_binding_a_task_context_instance_would_share_it_across_tasks)
        binder.bind(TaskContext, TaskContext)
        binder.bind(TaskMetrics, TaskMetrics)

        # Data processors
        binder.bind(IDataProcessor, DataProcessor())


class InfrastructureModule(Module):
    def configure(self, binder: Any) -> None:
        binder.bind(IDatabaseConnection, PostgresConnection())
        binder.bind(SMTPConfig, SMTPConfig.from_env())


def create_taskiq_scheduler() -> TaskiqScheduler:
    container = InjectQ()
    container.install(InfrastructureModule())
    container.install(TaskModule())

    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)
    return scheduler


async def test_scheduler_built_from_modules_runs_tasks_with_their_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMTP_HOST", "smtp.internal")
    scheduler = create_taskiq_scheduler()
    tasks = define_getting_started_tasks(scheduler)
    scoped_tasks = define_scoped_tasks(scheduler)

    await scheduler.execute_task(tasks.send_welcome_email, user_id=789)
    first = await scheduler.execute_task(scoped_tasks.two_views)
    second = await scheduler.execute_task(scoped_tasks.two_views)

    assert outbox(scheduler) == [Sent("welcome", "user789@example.com")]
    email = scheduler.container.get(IEmailService)
    assert isinstance(email, EmailService)
    assert email.smtp_config.host == "smtp.internal"
    assert first["same_context"]
    assert first["task_id"] != second["task_id"]  # bound as a class, TaskContext stays scoped


def test_module_wiring_validates_for_every_task() -> None:
    scheduler = create_taskiq_scheduler()
    define_getting_started_tasks(scheduler)
    define_scoped_tasks(scheduler)

    entry_points = task_entry_points(scheduler)

    assert {entry.name.rsplit(":", 1)[-1] for entry in entry_points} >= {
        "send_welcome_email",
        "process_order",
        "complex_task",
    }
    scheduler.container.validate(entry_points=entry_points)


async def test_binding_a_task_context_instance_would_share_it_across_tasks() -> None:
    # what the sketch's `binder.bind(TaskContext, TaskContext())` does: an instance binding is
    # that one object, whatever the class's @scoped mark says
    container = InjectQ()
    container.bind(TaskContext, TaskContext())
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)
    tasks = define_scoped_tasks(scheduler)

    first = await scheduler.execute_task(tasks.two_views)
    second = await scheduler.execute_task(tasks.two_views)

    assert first["task_id"] == second["task_id"]


# --------------------------------------------------------------------------------------------
# Task patterns: emails, data processing, notifications, chaining
# --------------------------------------------------------------------------------------------


def define_email_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def send_bulk_emails(
        user_ids: list[int],
        template: str,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> None:
        """Send emails to multiple users."""
        for user_id in user_ids:
            user = user_service.get_user(user_id)
            await email_service.send_template_email(user.email, template, {"name": user.name})

    @scheduler.task
    async def send_reminder_emails(
        reminder_type: str,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> None:
        """Send reminder emails based on type."""
        users = user_service.get_users_due_for_reminder(reminder_type)
        for user in users:
            await email_service.send_reminder_email(user.email, reminder_type)

    return SimpleNamespace(
        send_bulk_emails=send_bulk_emails, send_reminder_emails=send_reminder_emails
    )


async def test_bulk_emails_reach_every_user_with_their_name(scheduler: TaskiqScheduler) -> None:
    tasks = define_email_tasks(scheduler)

    sent = await scheduler.schedule_task(
        tasks.send_bulk_emails, user_ids=[123, 789], template="spring_sale"
    )

    assert (await scheduler.wait_result(sent.task_id, timeout=5)).success
    assert outbox(scheduler) == [
        Sent("spring_sale", "user123@example.com", "Ada"),
        Sent("spring_sale", "user789@example.com", "Linus"),
    ]


async def test_reminders_go_only_to_users_due_for_that_reminder(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_email_tasks(scheduler)

    await scheduler.execute_task(tasks.send_reminder_emails, reminder_type="renewal")

    assert outbox(scheduler) == [Sent("reminder", "user789@example.com", "renewal")]


async def test_schedule_task_with_cron_adds_a_recurring_schedule_with_its_arguments(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_email_tasks(scheduler)

    await scheduler.schedule_task(
        tasks.send_reminder_emails,
        reminder_type="payment_due",
        cron="0 9 * * *",  # Daily at 9 AM
    )

    schedules = await all_schedules(scheduler)
    (reminder,) = [s for s in schedules if s.task_name == tasks.send_reminder_emails.task_name]
    assert reminder.cron == "0 9 * * *"
    assert reminder.kwargs == {"reminder_type": "payment_due"}
    assert outbox(scheduler) == []  # scheduled for 9 AM, not sent now


def define_data_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def process_user_data(
        user_id: int,
        data_type: str,
        processor: IDataProcessor = InjectQDependency(IDataProcessor),
        storage: IDataStorage = InjectQDependency(IDataStorage),
        metrics: TaskMetrics = InjectQDependency(TaskMetrics),
    ) -> None:
        """Process user data in background."""
        try:
            raw_data = await storage.get_user_data(user_id, data_type)
            start_time = time.time()
            processed_data = await processor.process_user_data(raw_data)
            processing_time = time.time() - start_time
            metrics.record_operation("process_user_data", processing_time)
            await storage.store_processed_data(user_id, data_type, processed_data)
        except Exception as e:
            metrics.record_error(f"Failed to process user data: {e}")
            raise

    @scheduler.task
    async def cleanup_old_data(
        days_old: int = 30,
        storage: IDataStorage = InjectQDependency(IDataStorage),
    ) -> int:
        """Clean up old processed data."""
        cutoff_date = datetime.now() - timedelta(days=days_old)
        # the sketch prints the count; returning it lets the caller (and this test) see it
        return await storage.cleanup_old_data(cutoff_date)

    return SimpleNamespace(process_user_data=process_user_data, cleanup_old_data=cleanup_old_data)


def storage_of(container: InjectQ) -> InMemoryDataStorage:
    storage = container.get(IDataStorage)
    assert isinstance(storage, InMemoryDataStorage)
    return storage


async def test_user_data_is_processed_stored_and_measured(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    tasks = define_data_tasks(scheduler)
    storage = storage_of(container)
    storage.raw[(123, "events")] = [{"value": "login"}, {"value": "logout"}]

    await scheduler.execute_task(tasks.process_user_data, user_id=123, data_type="events")

    (record,) = storage.processed
    assert (record.user_id, record.data_type) == (123, "events")
    assert record.rows == [{"value": "LOGIN"}, {"value": "LOGOUT"}]
    (metrics,) = container.get(MetricsExporter).exported
    assert [op["operation"] for op in metrics.operations] == ["process_user_data"]
    assert metrics.errors == []


async def test_failed_data_processing_records_the_error_and_reraises(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    tasks = define_data_tasks(scheduler)
    storage = storage_of(container)
    storage.raw[(123, "events")] = [{"value": "login"}, {"broken": True}]

    with pytest.raises(ValueError, match="record has no value"):
        await scheduler.execute_task(tasks.process_user_data, user_id=123, data_type="events")

    assert storage.processed == []
    (metrics,) = container.get(MetricsExporter).exported
    assert [e["error"] for e in metrics.errors] == [
        "Failed to process user data: record has no value"
    ]


async def test_cleanup_deletes_data_older_than_thirty_days_by_default(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    tasks = define_data_tasks(scheduler)
    storage = storage_of(container)
    now = datetime.now()
    for age in (1, 10, 45, 400):
        storage.processed.append(Record(1, "events", [], created_at=now - timedelta(days=age)))

    assert await scheduler.execute_task(tasks.cleanup_old_data) == 2
    assert await scheduler.execute_task(tasks.cleanup_old_data, days_old=5) == 1
    assert [(now - r.created_at).days for r in storage.processed] == [1]


def define_notification_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def send_order_notifications(
        order_id: int,
        notification_svc: INotificationService = InjectQDependency(INotificationService),
        user_svc: IUserService = InjectQDependency(IUserService),
    ) -> None:
        """Send notifications for order events."""
        order = user_svc.get_order(order_id)
        await notification_svc.send_order_confirmation(order_id)
        if order.total > 1000:
            await notification_svc.send_high_value_order_alert(order_id)

    @scheduler.task
    async def send_payment_reminders(
        user_id: int,
        amount: float,
        due_date: str,
        notification_svc: INotificationService = InjectQDependency(INotificationService),
    ) -> None:
        """Send payment reminder notifications."""
        await notification_svc.send_payment_reminder(user_id, amount, due_date)

    @scheduler.task
    async def process_payment_and_notify(
        payment_data: dict[str, Any],
        payment_svc: IPaymentService = InjectQDependency(IPaymentService),
        notification_svc: INotificationService = InjectQDependency(INotificationService),
    ) -> PaymentResult:
        """Process payment and send notifications."""
        result = await payment_svc.process_payment(payment_data)
        if result.success:
            await notification_svc.send_payment_success(result.user_id, result.amount)
        else:
            await notification_svc.send_payment_failed(result.user_id)
        return result

    return SimpleNamespace(
        send_order_notifications=send_order_notifications,
        send_payment_reminders=send_payment_reminders,
        process_payment_and_notify=process_payment_and_notify,
    )


async def test_order_notifications_alert_the_admin_only_for_high_value_orders(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_notification_tasks(scheduler)

    await scheduler.execute_task(tasks.send_order_notifications, order_id=456)
    await scheduler.execute_task(tasks.send_order_notifications, order_id=457)

    assert outbox(scheduler) == [
        Sent("order_confirmation", "user123@example.com", "456"),
        Sent("order_confirmation", "user789@example.com", "457"),
        Sent("notification", ADMIN_EMAIL, "high value order 457"),
    ]


async def test_payment_reminder_states_amount_and_due_date(scheduler: TaskiqScheduler) -> None:
    tasks = define_notification_tasks(scheduler)

    await scheduler.execute_task(
        tasks.send_payment_reminders, user_id=123, amount=49.5, due_date="2026-07-01"
    )

    assert outbox(scheduler) == [
        Sent("notification", "user123@example.com", "49.50 due on 2026-07-01")
    ]


async def test_payment_outcome_decides_which_notification_is_sent(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_notification_tasks(scheduler)

    paid = await scheduler.execute_task(
        tasks.process_payment_and_notify, payment_data={"user_id": 123, "amount": 20.0}
    )
    declined = await scheduler.execute_task(
        tasks.process_payment_and_notify,
        payment_data={"user_id": 789, "amount": 99.0, "card": "declined"},
    )

    assert paid == PaymentResult(True, 123, 20.0)
    assert declined == PaymentResult(False, 789, 99.0)
    assert outbox(scheduler) == [
        Sent("notification", "user123@example.com", "payment of 20.00 received"),
        Sent("payment_failed", "user789@example.com"),
    ]


# --------------------------------------------------------------------------------------------
# Unit testing tasks with mock services
# --------------------------------------------------------------------------------------------


class MockEmailService:
    def __init__(self) -> None:
        self.sent_emails: list[dict[str, Any]] = []
        self.send_welcome_email_called = False

    async def send_welcome_email(self, email: str) -> None:
        self.send_welcome_email_called = True
        self.sent_emails.append({"type": "welcome", "email": email, "timestamp": time.time()})

    async def send_notification(self, email: str, message: str) -> None:
        self.sent_emails.append(
            {"type": "notification", "email": email, "message": message, "timestamp": time.time()}
        )


class MockUserService:
    def __init__(self) -> None:
        self.get_user_called = False
        self.users = {
            123: User(id=123, email="user123@example.com", status="active"),
            456: User(id=456, email="user456@example.com", status="inactive"),
        }

    def get_user(self, user_id: int) -> User:
        self.get_user_called = True
        return self.users[user_id]


@pytest.fixture
async def test_scheduler() -> AsyncIterator[TaskiqScheduler]:
    container = InjectQ()
    container.bind(IEmailService, MockEmailService())
    container.bind(IUserService, MockUserService())

    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)
    await scheduler.startup()
    yield scheduler
    await scheduler.shutdown()


async def test_send_welcome_email_task_uses_the_bound_mocks(
    test_scheduler: TaskiqScheduler,
) -> None:
    @test_scheduler.task
    async def send_welcome_email(
        user_id: int,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> dict[str, str]:
        user = user_service.get_user(user_id)
        await email_service.send_welcome_email(user.email)
        return {"email": user.email}

    result = await test_scheduler.execute_task(send_welcome_email, user_id=123)

    assert result["email"] == "user123@example.com"
    email_service = test_scheduler.container.get(IEmailService)
    user_service = test_scheduler.container.get(IUserService)
    assert isinstance(email_service, MockEmailService)
    assert isinstance(user_service, MockUserService)
    assert email_service.send_welcome_email_called
    assert user_service.get_user_called


async def test_each_execution_of_a_task_has_its_own_task_context(
    test_scheduler: TaskiqScheduler,
) -> None:
    @test_scheduler.task
    async def scoped_task(
        data: str, ctx: TaskContext = InjectQDependency(TaskContext)
    ) -> dict[str, Any]:
        ctx.set_metadata("input", data)
        ctx.set_metadata("context_id", ctx.task_id)
        return ctx.metadata

    result1 = await test_scheduler.execute_task(scoped_task, data="test1")
    result2 = await test_scheduler.execute_task(scoped_task, data="test2")

    assert result1["input"] == "test1"
    assert result2["input"] == "test2"
    assert result1["context_id"] != result2["context_id"]


async def test_mocks_bound_in_the_container_record_the_task_interactions() -> None:
    container = InjectQ()
    mock_email = MockEmailService()
    mock_user = MockUserService()
    container.bind(IEmailService, mock_email)
    container.bind(IUserService, mock_user)

    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)

    @scheduler.task
    async def test_task(
        user_id: int,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> int:
        user = user_service.get_user(user_id)
        await email_service.send_welcome_email(user.email)
        return len(mock_email.sent_emails)

    result = await scheduler.execute_task(test_task, user_id=123)

    assert result == 1
    assert len(mock_email.sent_emails) == 1
    assert mock_email.sent_emails[0]["email"] == "user123@example.com"


async def test_container_override_replaces_a_service_for_the_tasks(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_getting_started_tasks(scheduler)
    fake = MockEmailService()

    with scheduler.container.override(IEmailService, fake):
        await scheduler.execute_task(tasks.send_welcome_email, user_id=123)

    assert [e["email"] for e in fake.sent_emails] == ["user123@example.com"]
    assert outbox(scheduler) == []


# --------------------------------------------------------------------------------------------
# Integration testing: real modules with a test database
# --------------------------------------------------------------------------------------------


class TestDatabaseModule(Module):
    __test__ = False  # not a pytest test class

    def configure(self, binder: Any) -> None:
        binder.bind(IDatabaseConnection, InMemoryDatabase(*seeded_users()))


class EmailModule(Module):
    def configure(self, binder: Any) -> None:
        binder.bind(SMTPConfig, SMTPConfig("localhost", 1025, "test@example.com"))


@pytest.fixture
async def integration_scheduler() -> AsyncIterator[TaskiqScheduler]:
    container = InjectQ()
    container.install(TestDatabaseModule())
    container.install(EmailModule())
    container.install(TaskModule())

    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)
    await scheduler.startup()
    yield scheduler
    await scheduler.shutdown()


async def test_email_task_integration(integration_scheduler: TaskiqScheduler) -> None:
    @integration_scheduler.task
    async def send_user_notification(
        user_id: int,
        message: str,
        email_service: IEmailService = InjectQDependency(IEmailService),
        user_service: IUserService = InjectQDependency(IUserService),
    ) -> dict[str, str]:
        user = user_service.get_user(user_id)
        await email_service.send_notification(user.email, message)
        return {"sent_to": user.email}

    result = await integration_scheduler.execute_task(
        send_user_notification, user_id=123, message="Welcome to our platform!"
    )

    assert "sent_to" in result
    assert result["sent_to"].endswith("@example.com")
    assert outbox(integration_scheduler) == [
        Sent("notification", "user123@example.com", "Welcome to our platform!")
    ]


async def test_task_error_reaches_the_caller_of_execute_task(
    integration_scheduler: TaskiqScheduler,
) -> None:
    @integration_scheduler.task
    async def risky_task(
        user_id: int, user_service: IUserService = InjectQDependency(IUserService)
    ) -> dict[str, int]:
        user = user_service.get_user(user_id)
        if user.status == "inactive":
            raise ValueError("Cannot process inactive user")
        return {"processed": user.id}

    result = await integration_scheduler.execute_task(risky_task, user_id=123)
    assert result["processed"] == 123

    with pytest.raises(ValueError, match="Cannot process inactive user"):
        await integration_scheduler.execute_task(risky_task, user_id=456)


# --------------------------------------------------------------------------------------------
# Good patterns
# --------------------------------------------------------------------------------------------

created_pools: list[object] = []


def create_database_pool() -> object:
    pool = object()
    created_pools.append(pool)
    return pool


def validate_schema(data: dict[str, Any]) -> bool:
    return isinstance(data.get("id"), int) and isinstance(data.get("name"), str)


@scoped
class TaskProgress:
    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.current_step = 0

    def record_step(self, step_name: str) -> None:
        self.steps.append({"name": step_name, "timestamp": time.time()})
        self.current_step += 1


@singleton
class DatabasePool:
    def __init__(self) -> None:
        self.pool = create_database_pool()


@transient
class DataValidator:
    def validate(self, data: dict[str, Any]) -> bool:
        return validate_schema(data)


def define_lifetime_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def import_record(
        data: dict[str, Any],
        progress: TaskProgress = InjectQDependency(TaskProgress),
        same_progress: TaskProgress = InjectQDependency(TaskProgress),
        pool: DatabasePool = InjectQDependency(DatabasePool),
        validator: DataValidator = InjectQDependency(DataValidator),
        other_validator: DataValidator = InjectQDependency(DataValidator),
    ) -> dict[str, Any]:
        progress.record_step("validate")
        valid = validator.validate(data)
        same_progress.record_step("store")
        return {
            "valid": valid,
            "steps": [step["name"] for step in progress.steps],
            "current_step": progress.current_step,
            "pool": id(pool),
            "validators_differ": validator is not other_validator,
        }

    return SimpleNamespace(import_record=import_record)


async def test_scoped_task_progress_follows_one_task_run(scheduler: TaskiqScheduler) -> None:
    tasks = define_lifetime_tasks(scheduler)

    first = await scheduler.execute_task(tasks.import_record, data={"id": 1, "name": "a"})
    second = await scheduler.execute_task(tasks.import_record, data={"id": "x"})

    assert first["steps"] == second["steps"] == ["validate", "store"]
    assert first["current_step"] == second["current_step"] == 2
    assert first["valid"]
    assert not second["valid"]


async def test_singleton_database_pool_is_created_once_and_shared_by_all_tasks(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_lifetime_tasks(scheduler)
    created_pools.clear()

    runs = await asyncio.gather(
        *(scheduler.execute_task(tasks.import_record, data={"id": i}) for i in range(10))
    )

    assert len(created_pools) == 1
    assert {run["pool"] for run in runs} == {id(scheduler.container.get(DatabasePool))}


async def test_transient_validator_is_new_for_each_injection(scheduler: TaskiqScheduler) -> None:
    tasks = define_lifetime_tasks(scheduler)

    run = await scheduler.execute_task(tasks.import_record, data={"id": 1, "name": "a"})

    assert run["validators_differ"]


class DataValidationError(Exception):
    """The document's `ValidationError` (renamed: injectq exports a ValidationError too)."""


dead_letters: list[tuple[dict[str, Any], str]] = []
alerts: list[str] = []


async def handle_validation_error(data: dict[str, Any], error: Exception) -> None:
    dead_letters.append((data, str(error)))


async def alert_system(message: str) -> None:
    alerts.append(message)


class StrictProcessor(DataProcessor):
    async def process_data(self, data: dict[str, Any]) -> dict[str, Any]:
        if "value" not in data:
            raise DataValidationError("value is required")
        if data["value"] == "crash":
            raise RuntimeError("disk full")
        return await super().process_data(data)


def define_error_handling_task(scheduler: TaskiqScheduler) -> Any:
    @scheduler.task
    async def process_with_error_handling(
        data: dict[str, Any],
        processor: IDataProcessor = InjectQDependency(IDataProcessor),
        logger: ILogger = InjectQDependency(ILogger),
    ) -> dict[str, Any] | None:
        try:
            return await processor.process_data(data)
        except DataValidationError as e:
            logger.error(f"Validation failed: {e}")
            await handle_validation_error(data, e)
        except Exception as e:
            logger.error(f"Unexpected error: {e}")
            await alert_system(f"Task failed: {e}")
            raise
        return None

    return process_with_error_handling


@pytest.fixture
def error_handling_scheduler(
    container: InjectQ, scheduler: TaskiqScheduler
) -> Iterator[TaskiqScheduler]:
    container.bind(IDataProcessor, StrictProcessor())
    container.bind(ILogger, ListLogger())
    dead_letters.clear()
    alerts.clear()
    yield scheduler
    dead_letters.clear()
    alerts.clear()


async def test_invalid_data_is_logged_and_dead_lettered_without_failing_the_task(
    error_handling_scheduler: TaskiqScheduler,
) -> None:
    task = define_error_handling_task(error_handling_scheduler)

    result = await error_handling_scheduler.execute_task(task, data={"id": 7})

    assert result is None
    assert dead_letters == [({"id": 7}, "value is required")]
    logger = error_handling_scheduler.container.get(ILogger)
    assert isinstance(logger, ListLogger)
    assert logger.errors == ["Validation failed: value is required"]
    assert alerts == []


async def test_unexpected_error_is_logged_alerted_and_reraised(
    error_handling_scheduler: TaskiqScheduler,
) -> None:
    task = define_error_handling_task(error_handling_scheduler)

    with pytest.raises(RuntimeError, match="disk full"):
        await error_handling_scheduler.execute_task(task, data={"value": "crash"})

    assert alerts == ["Task failed: disk full"]
    assert dead_letters == []


async def test_chained_tasks_run_in_order_each_with_its_own_injection(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def process_order(
        order_id: int, order_svc: IOrderService = InjectQDependency(IOrderService)
    ) -> Order:
        return await order_svc.process_order(order_id)

    @scheduler.task
    async def notify_order_processed(
        order_id: int,
        notification_svc: INotificationService = InjectQDependency(INotificationService),
    ) -> None:
        await notification_svc.send_order_processed_notification(order_id)

    order_result = await scheduler.execute_task(process_order, order_id=456)
    await scheduler.execute_task(notify_order_processed, order_id=456)

    assert order_result.status == "processed"
    assert outbox(scheduler) == [Sent("notification", "user123@example.com", "order 456 processed")]


async def test_a_task_sent_from_inside_a_task_runs_in_its_own_scope(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def follow_up(ctx: TaskContext = InjectQDependency(TaskContext)) -> str:
        return ctx.task_id

    @scheduler.task
    async def first_step(ctx: TaskContext = InjectQDependency(TaskContext)) -> tuple[str, str]:
        sent = await follow_up.kiq()  # InMemoryBroker: starts in a copy of this task's context
        return ctx.task_id, sent.task_id

    sender_context, follow_up_id = await scheduler.execute_task(first_step)
    result = await scheduler.wait_result(follow_up_id, timeout=5)

    assert result.success, result.error
    assert result.result != sender_context


# --------------------------------------------------------------------------------------------
# Bad patterns: what they do, observably
# --------------------------------------------------------------------------------------------


async def test_task_resolving_from_a_global_container_misses_the_test_override(
    scheduler: TaskiqScheduler,
) -> None:
    global_container = application_container()  # the "global container" of the bad example

    @scheduler.task
    async def manual_task(user_id: int) -> str:
        user_service = global_container.get(IUserService)  # manual resolution
        return user_service.get_user(user_id).email

    @scheduler.task
    async def injected_task(
        user_id: int, user_service: IUserService = InjectQDependency(IUserService)
    ) -> str:
        return user_service.get_user(user_id).email

    with scheduler.container.override(IUserService, MockUserService()) as mock:
        mock.users[123].email = "mocked@example.com"
        assert await scheduler.execute_task(injected_task, user_id=123) == "mocked@example.com"
        assert await scheduler.execute_task(manual_task, user_id=123) == "user123@example.com"


@singleton
class SharedTaskState:
    """The document's bad `@singleton class TaskState`."""

    def __init__(self) -> None:
        self.current_task_data: Any = None

    def set_task_data(self, data: Any) -> None:
        self.current_task_data = data


@singleton
class SharedTaskMetrics:
    """The document's bad `@singleton class TaskMetrics`."""

    def __init__(self) -> None:
        self.task_count = 0

    def increment_task_count(self) -> None:
        self.task_count += 1


@scoped
class TaskState:
    def __init__(self) -> None:
        self.task_data: Any = None


def define_state_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def with_singleton_state(
        data: str,
        state: SharedTaskState = InjectQDependency(SharedTaskState),
        counter: SharedTaskMetrics = InjectQDependency(SharedTaskMetrics),
    ) -> dict[str, Any]:
        before = state.current_task_data
        state.set_task_data(data)
        await asyncio.sleep(0)
        counter.increment_task_count()
        return {
            "before": before,
            "after_yield": state.current_task_data,
            "count": counter.task_count,
        }

    @scheduler.task
    async def with_scoped_state(
        data: str, state: TaskState = InjectQDependency(TaskState)
    ) -> dict[str, Any]:
        before = state.task_data
        state.task_data = data
        await asyncio.sleep(0)
        return {"before": before, "after_yield": state.task_data}

    return SimpleNamespace(singleton=with_singleton_state, scoped=with_scoped_state)


async def test_singleton_task_state_leaks_into_later_and_concurrent_tasks(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_state_tasks(scheduler)

    first = await scheduler.execute_task(tasks.singleton, data="order-1")
    second = await scheduler.execute_task(tasks.singleton, data="order-2")
    concurrent = await asyncio.gather(
        scheduler.execute_task(tasks.singleton, data="a"),
        scheduler.execute_task(tasks.singleton, data="b"),
    )

    assert first["before"] is None
    assert second["before"] == "order-1"  # sees the previous task's data
    assert [run["count"] for run in (first, second)] == [1, 2]  # accumulates across tasks
    # one of two concurrent tasks found its data overwritten by the other
    assert any(run["after_yield"] != data for run, data in zip(concurrent, "ab", strict=True))


async def test_scoped_task_state_starts_fresh_in_every_task(scheduler: TaskiqScheduler) -> None:
    tasks = define_state_tasks(scheduler)

    sequential = [
        await scheduler.execute_task(tasks.scoped, data="order-1"),
        await scheduler.execute_task(tasks.scoped, data="order-2"),
    ]
    concurrent = await asyncio.gather(
        scheduler.execute_task(tasks.scoped, data="a"),
        scheduler.execute_task(tasks.scoped, data="b"),
    )

    assert [run["before"] for run in sequential + concurrent] == [None] * 4
    assert [run["after_yield"] for run in concurrent] == ["a", "b"]


class Model:
    def predict(self, data: dict[str, float]) -> float:
        return sum(data.values())


model_loads: list[Model] = []


async def load_ml_model() -> Model:
    model = Model()
    model_loads.append(model)
    return model


@singleton
class MLModelService:
    def __init__(self) -> None:
        self.model: Model | None = None

    async def initialize(self) -> None:
        if self.model is None:
            self.model = await load_ml_model()

    async def predict(self, data: dict[str, float]) -> float:
        await self.initialize()
        assert self.model is not None
        return self.model.predict(data)


async def test_heavy_model_is_loaded_once_by_a_singleton_service_not_once_per_task(
    scheduler: TaskiqScheduler,
) -> None:
    @scheduler.task
    async def heavy_task(data: dict[str, float]) -> float:
        model = await load_ml_model()  # loaded on every task execution
        return model.predict(data)

    @scheduler.task
    async def light_task(
        data: dict[str, float], ml_service: MLModelService = InjectQDependency(MLModelService)
    ) -> float:
        return await ml_service.predict(data)

    model_loads.clear()
    for _ in range(3):
        assert await scheduler.execute_task(heavy_task, data={"a": 1.0, "b": 2.0}) == 3.0
    assert len(model_loads) == 3

    model_loads.clear()
    for _ in range(3):
        assert await scheduler.execute_task(light_task, data={"a": 1.0, "b": 2.0}) == 3.0
    assert len(model_loads) == 1


# --------------------------------------------------------------------------------------------
# Custom task middleware
# --------------------------------------------------------------------------------------------


class MetricsMiddleware(TaskiqMiddleware):
    def __init__(self, metrics_service: IMetricsService) -> None:
        self.metrics = metrics_service

    async def before_task(self, task_info: Any) -> None:
        self.metrics.increment("tasks_started")
        task_info.start_time = time.time()

    async def after_task(self, task_info: Any, result: Any) -> None:
        duration = time.time() - task_info.start_time
        self.metrics.histogram("task_duration", duration)
        self.metrics.increment("tasks_completed")

    async def on_task_error(self, task_info: Any, error: BaseException) -> None:
        self.metrics.increment("tasks_failed")
        self.metrics.increment(f"task_error_{type(error).__name__}")


@pytest.fixture
async def metrics_scheduler(container: InjectQ) -> AsyncIterator[TaskiqScheduler]:
    metrics_service = InMemoryMetrics()
    container.bind(IMetricsService, metrics_service)
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container, middlewares=[MetricsMiddleware(metrics_service)])
    await scheduler.startup()
    yield scheduler
    await scheduler.shutdown()


async def test_metrics_middleware_counts_completed_tasks_and_their_duration(
    metrics_scheduler: TaskiqScheduler,
) -> None:
    tasks = define_getting_started_tasks(metrics_scheduler)

    await metrics_scheduler.execute_task(tasks.send_welcome_email, user_id=123)
    sent = await metrics_scheduler.schedule_task(tasks.send_welcome_email, user_id=789)
    assert (await metrics_scheduler.wait_result(sent.task_id, timeout=5)).success

    metrics = metrics_scheduler.container.get(IMetricsService)
    assert isinstance(metrics, InMemoryMetrics)
    assert metrics.counters == {"tasks_started": 2, "tasks_completed": 2}
    # after_task read the start_time that before_task set on the same task_info
    assert len(metrics.histograms["task_duration"]) == 2
    assert all(0 <= duration < 5 for duration in metrics.histograms["task_duration"])


async def test_metrics_middleware_counts_failures_by_error_type(
    metrics_scheduler: TaskiqScheduler,
) -> None:
    tasks = define_getting_started_tasks(metrics_scheduler)

    with pytest.raises(AttributeError):  # user 1 does not exist: get_user returns None
        await metrics_scheduler.execute_task(tasks.send_welcome_email, user_id=1)

    metrics = metrics_scheduler.container.get(IMetricsService)
    assert isinstance(metrics, InMemoryMetrics)
    assert metrics.counters == {
        "tasks_started": 1,
        "tasks_failed": 1,
        "task_error_AttributeError": 1,
    }
    assert "task_duration" not in metrics.histograms


# --------------------------------------------------------------------------------------------
# Task result handling and retries
# --------------------------------------------------------------------------------------------


class FlakyProcessor(DataProcessor):
    """Fails the first `failures` calls, then works."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def process_data(self, data: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"upstream unavailable (call {self.calls})")
        return await super().process_data(data)


stored_results: list[dict[str, Any]] = []
permanent_failures: list[Any] = []


async def store_task_result(data: dict[str, Any]) -> None:
    stored_results.append(data)


async def handle_permanent_failure(task_result: Any) -> None:
    permanent_failures.append(task_result)


def define_result_handling(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def process_with_result_handling(
        data: dict[str, Any], processor: IDataProcessor = InjectQDependency(IDataProcessor)
    ) -> dict[str, Any]:
        result = await processor.process_data(data)
        return {
            "task_id": str(uuid.uuid4()),
            "processed_at": time.time(),
            "input_size": len(data),
            "output_size": len(result),
            "result": result,
        }

    async def handle_task_result(task_result: Any) -> None:
        if task_result.success:
            data = task_result.result
            await store_task_result(data)
        elif task_result.retry_count < 3:
            await scheduler.retry_task(task_result.task_id)
        else:
            await handle_permanent_failure(task_result)

    return SimpleNamespace(task=process_with_result_handling, handle=handle_task_result)


@pytest.fixture
def result_lists() -> Iterator[None]:
    stored_results.clear()
    permanent_failures.clear()
    yield
    stored_results.clear()
    permanent_failures.clear()


@pytest.mark.usefixtures("result_lists")
async def test_successful_result_carries_the_structured_return_value(
    scheduler: TaskiqScheduler,
) -> None:
    flow = define_result_handling(scheduler)

    sent = await scheduler.schedule_task(flow.task, data={"value": "a", "b": 1})
    task_result = await scheduler.wait_result(sent.task_id, timeout=5)
    await flow.handle(task_result)

    assert task_result.success
    assert task_result.error is None
    assert task_result.retry_count == 0
    (stored,) = stored_results
    assert stored["input_size"] == stored["output_size"] == 2
    assert stored["result"] == {"value": "A", "b": "1"}


@pytest.mark.usefixtures("result_lists")
async def test_a_task_failing_the_first_time_succeeds_when_retried(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    flaky = FlakyProcessor(failures=1)
    container.bind(IDataProcessor, flaky)
    flow = define_result_handling(scheduler)

    sent = await scheduler.schedule_task(flow.task, data={"value": "a"})
    failed = await scheduler.wait_result(sent.task_id, timeout=5)

    assert not failed.success
    assert isinstance(failed.error, ConnectionError)
    assert failed.retry_count == 0

    await flow.handle(failed)  # retry_count < 3: retried with the same task id
    retried = await scheduler.wait_result(sent.task_id, timeout=5)

    assert retried.success, retried.error
    assert retried.task_id == sent.task_id
    assert retried.retry_count == 1
    assert retried.result["result"] == {"value": "A"}
    assert flaky.calls == 2


@pytest.mark.usefixtures("result_lists")
async def test_a_task_that_keeps_failing_is_handed_over_after_three_retries(
    container: InjectQ, scheduler: TaskiqScheduler
) -> None:
    container.bind(IDataProcessor, FlakyProcessor(failures=100))
    flow = define_result_handling(scheduler)

    sent = await scheduler.schedule_task(flow.task, data={"value": "a"})
    task_result = await scheduler.wait_result(sent.task_id, timeout=5)
    while not permanent_failures:
        await flow.handle(task_result)
        task_result = await scheduler.wait_result(sent.task_id, timeout=5)
        assert not task_result.success

    (final,) = permanent_failures
    assert final.retry_count == 3
    assert str(final.error) == "upstream unavailable (call 4)"


# --------------------------------------------------------------------------------------------
# Cron tasks
# --------------------------------------------------------------------------------------------


async def all_schedules(scheduler: TaskiqScheduler) -> list[Any]:
    found: list[Any] = []
    for source in scheduler.sources:
        found.extend(await source.get_schedules())
    return found


class ISessionService(Protocol):
    async def cleanup_expired_sessions(self) -> int: ...


class IReportService(Protocol):
    async def generate_daily_report(self) -> None: ...


class IReminderService(Protocol):
    async def send_pending_reminders(self) -> int: ...


class InMemorySessions:
    def __init__(self) -> None:
        now = time.time()
        self.expiries = [now - 60, now - 1, now + 3600]

    async def cleanup_expired_sessions(self) -> int:
        now = time.time()
        expired = [e for e in self.expiries if e < now]
        self.expiries = [e for e in self.expiries if e >= now]
        return len(expired)


class ReportService:
    def __init__(self) -> None:
        self.reports: list[str] = []

    async def generate_daily_report(self) -> None:
        self.reports.append(datetime.now().date().isoformat())


class ReminderService:
    def __init__(self) -> None:
        self.pending = ["renewal", "payment_due"]

    async def send_pending_reminders(self) -> int:
        sent, self.pending = len(self.pending), []
        return sent


def define_cron_tasks(scheduler: TaskiqScheduler) -> SimpleNamespace:
    @scheduler.task
    async def cleanup_expired_sessions(
        session_svc: ISessionService = InjectQDependency(ISessionService),
    ) -> int:
        """Clean up expired user sessions."""
        return await session_svc.cleanup_expired_sessions()

    @scheduler.task
    async def generate_daily_reports(
        report_svc: IReportService = InjectQDependency(IReportService),
    ) -> None:
        """Generate daily business reports."""
        await report_svc.generate_daily_report()

    @scheduler.task
    async def send_reminders(
        reminder_svc: IReminderService = InjectQDependency(IReminderService),
    ) -> int:
        """Send scheduled reminders."""
        return await reminder_svc.send_pending_reminders()

    return SimpleNamespace(
        cleanup_expired_sessions=cleanup_expired_sessions,
        generate_daily_reports=generate_daily_reports,
        send_reminders=send_reminders,
    )


@pytest.fixture
def cron_scheduler(container: InjectQ, scheduler: TaskiqScheduler) -> TaskiqScheduler:
    container.bind(ISessionService, InMemorySessions())
    container.bind(IReportService, ReportService())
    container.bind(IReminderService, ReminderService())
    return scheduler


async def test_cron_schedules_are_added_to_the_dynamic_source(
    cron_scheduler: TaskiqScheduler,
) -> None:
    tasks = define_cron_tasks(cron_scheduler)

    await cron_scheduler.schedule_cron(tasks.cleanup_expired_sessions, cron="0 */6 * * *")
    await cron_scheduler.schedule_cron(tasks.generate_daily_reports, cron="0 2 * * *")
    await cron_scheduler.schedule_cron(tasks.send_reminders, cron="0 */2 * * *")

    by_task = {s.task_name: s.cron for s in await all_schedules(cron_scheduler)}
    assert by_task == {
        tasks.cleanup_expired_sessions.task_name: "0 */6 * * *",
        tasks.generate_daily_reports.task_name: "0 2 * * *",
        tasks.send_reminders.task_name: "0 */2 * * *",
    }


async def test_cron_tasks_run_with_their_services_when_they_fire(
    cron_scheduler: TaskiqScheduler,
) -> None:
    tasks = define_cron_tasks(cron_scheduler)

    assert await cron_scheduler.execute_task(tasks.cleanup_expired_sessions) == 2
    await cron_scheduler.execute_task(tasks.generate_daily_reports)
    assert await cron_scheduler.execute_task(tasks.send_reminders) == 2

    reports = cron_scheduler.container.get(IReportService)
    assert isinstance(reports, ReportService)
    assert reports.reports == [datetime.now().date().isoformat()]


async def test_a_scheduled_cron_fires_through_the_scheduler(
    cron_scheduler: TaskiqScheduler,
) -> None:
    tasks = define_cron_tasks(cron_scheduler)
    await cron_scheduler.schedule_cron(tasks.send_reminders, cron="0 */2 * * *")
    (schedule,) = await all_schedules(cron_scheduler)
    (source,) = [s for s in cron_scheduler.sources if schedule in await s.get_schedules()]

    await cron_scheduler.on_ready(source, schedule)  # what `taskiq scheduler` calls on time
    await cron_scheduler.broker.wait_all()

    reminders = cron_scheduler.container.get(IReminderService)
    assert isinstance(reminders, ReminderService)
    assert reminders.pending == []


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 25 * * *", "hour 25 is out of range 0-23"),
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("0 9 * *", "it has 4 fields, and cron needs 5"),
        ("0 9 * * mon-fry", "day of week 'fry'"),
    ],
)
async def test_a_malformed_cron_is_rejected_naming_the_field_and_nothing_is_scheduled(
    cron_scheduler: TaskiqScheduler, cron: str, problem: str
) -> None:
    tasks = define_cron_tasks(cron_scheduler)

    with pytest.raises(CronError) as raised:
        await cron_scheduler.schedule_cron(tasks.send_reminders, cron=cron)

    assert f"cron {cron!r} is invalid: {problem}" in str(raised.value)
    assert raised.value.expression == cron
    assert await all_schedules(cron_scheduler) == []


# --------------------------------------------------------------------------------------------
# Guarantees the guide states
# --------------------------------------------------------------------------------------------


async def test_a_sender_cannot_pass_a_value_for_an_injected_parameter(
    scheduler: TaskiqScheduler,
) -> None:
    tasks = define_getting_started_tasks(scheduler)

    with pytest.raises(InjectedArgumentError, match="email_service"):
        await scheduler.schedule_task(
            tasks.send_welcome_email, user_id=123, email_service=MockEmailService()
        )
    assert outbox(scheduler) == []


async def test_singleton_finalizers_run_when_the_worker_shuts_down() -> None:
    closed: list[str] = []

    class Pool:
        pass

    def pool() -> Iterator[Pool]:
        yield Pool()
        closed.append("pool")

    container = InjectQ()
    container.bind_factory(Pool, pool, scope="singleton")
    scheduler = TaskiqScheduler()
    setup_taskiq_integration(scheduler, container)

    @scheduler.task
    async def uses_pool(pool: Pool = InjectQDependency(Pool)) -> bool:
        return isinstance(pool, Pool)

    await scheduler.startup()
    assert await scheduler.execute_task(uses_pool)
    assert closed == []
    await scheduler.shutdown()
    assert closed == ["pool"]
