"""injectq 0.5.0's `injectq.utils` helpers and `injectq.core.thread_safety`, as faces of this
project's own: dependency helpers agree with what injection reads; the hybrid lock excludes
threads and tasks from each other without blocking an event loop."""

import abc
import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Union

import pytest

import injectq
from injectq import Inject, InjectionError, InjectQ
from injectq.core.thread_safety import AsyncSafeCounter, HybridLock, ThreadSafeDict
from injectq.utils import (
    Configurable,
    Provider,
    ResourceProvider,
    ScopeAware,
    ThreadLocalStorage,
    format_type_name,
    get_class_constructor_dependencies,
    get_function_dependencies,
    is_concrete_type,
    is_injectable_class,
    is_injectable_function,
    logger,
    normalize_type,
    safe_issubclass,
)
from injectq.utils.types import resolve_forward_ref


class Database:
    pass


class Cache:
    pass


class Repository:
    def __init__(self, db: Database, cache: Cache | None = None, *, label: str = "x") -> None:
        self.db = db
        self.cache = cache


# --- types -------------------------------------------------------------------------------


def test_normalize_type_takes_the_first_member_of_unions_and_the_origin_of_generics() -> None:
    assert normalize_type(Database | None) is Database
    assert normalize_type(Union[int, str]) is int  # noqa: UP007
    assert normalize_type(list[dict[str, int]]) is list
    assert normalize_type("Forward") == "Forward"


def test_is_concrete_type_rejects_generics_abstract_classes_and_non_types() -> None:
    class Abstract(abc.ABC):
        @abc.abstractmethod
        def run(self) -> None: ...

    assert is_concrete_type(Database)
    assert not is_concrete_type(list[int])
    assert not is_concrete_type(Abstract)
    assert not is_concrete_type("Database")


def test_resolve_forward_ref_reads_the_callers_module_and_raises_type_error_when_unknown() -> None:
    assert resolve_forward_ref("Database") is Database
    assert resolve_forward_ref("Local", locals_dict={"Local": Cache}) is Cache
    with pytest.raises(TypeError, match="Cannot resolve forward reference"):
        resolve_forward_ref("Nowhere")


def test_format_type_name_shows_string_keys_as_themselves_and_types_by_name() -> None:
    assert format_type_name("db_url") == "db_url"
    assert format_type_name(Repository) == "Repository"


# --- helpers -----------------------------------------------------------------------------


def test_constructor_dependencies_are_the_keys_the_container_resolves() -> None:
    deps = get_class_constructor_dependencies(Repository)
    assert deps == {"db": Database, "cache": Cache, "label": str}

    container = InjectQ()
    container.bind(Database, Database)
    repository = container.get(Repository)
    assert isinstance(repository.db, Database)
    assert repository.cache is None  # `Cache | None` is Cache, and None when nothing provides it


def test_function_dependencies_follow_injection_markers() -> None:
    def handler(
        repo: Inject[Repository],
        raw,  # no annotation, no marker: not a dependency
        key: Database = Inject(Cache),
    ) -> None:
        pass

    assert get_function_dependencies(handler) == {"repo": Repository, "key": Cache}


def test_unresolvable_annotations_are_an_injection_error() -> None:
    def broken(service: "Missing") -> None:  # noqa: F821
        pass

    with pytest.raises(InjectionError):
        get_function_dependencies(broken)


def test_constructor_that_is_not_callable_is_an_injection_error() -> None:
    class Broken:
        __init__ = None

    with pytest.raises(InjectionError):
        get_class_constructor_dependencies(Broken)


def test_injectable_classes_are_concrete_user_classes_with_a_constructor() -> None:
    assert is_injectable_class(Repository)
    assert not is_injectable_class(Database)  # nothing to inject into
    assert not is_injectable_class(str)
    assert not is_injectable_class("Repository")
    assert is_injectable_function(lambda: None)
    assert not is_injectable_function(42)


def test_safe_issubclass_answers_false_for_non_classes() -> None:
    assert safe_issubclass(bool, int)
    assert not safe_issubclass(3, int)
    assert not safe_issubclass(bool, "int")


def test_thread_local_storage_keeps_a_value_per_thread() -> None:
    storage = ThreadLocalStorage()
    storage.set("who", "main")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(storage.get("who", "unset")))
    thread.start()
    thread.join()
    assert seen == ["unset"]
    storage.delete("who")
    storage.delete("who")
    assert storage.get("who") is None


# --- protocols and logger ----------------------------------------------------------------


def test_protocols_check_the_shape_of_objects_at_run_time() -> None:
    class Settings:
        def configure(self, **kwargs: object) -> None:
            pass

    class Tracker:
        def enter_scope(self, scope_name: str) -> None:
            pass

        def exit_scope(self, scope_name: str) -> None:
            pass

    class DatabaseProvider:
        def provide(self, container: InjectQ) -> Database:
            return Database()

    @contextmanager
    def opened() -> Iterator[Database]:
        yield Database()

    assert isinstance(Settings(), Configurable)
    assert isinstance(Tracker(), ScopeAware)
    assert not isinstance(Settings(), ScopeAware)
    assert isinstance(DatabaseProvider(), Provider)
    assert isinstance(opened, ResourceProvider)


def test_logger_is_the_injectq_logger_and_is_exported_at_the_top() -> None:
    assert logger is logging.getLogger("injectq")
    assert injectq.logger is logger
    assert any(isinstance(handler, logging.NullHandler) for handler in logger.handlers)


# --- thread safety -----------------------------------------------------------------------


def test_hybrid_lock_excludes_threads_from_each_other() -> None:
    lock = HybridLock()
    total = [0]

    def add() -> None:
        for _ in range(200):
            with lock:
                value = total[0]
                time.sleep(0)
                total[0] = value + 1

    threads = [threading.Thread(target=add) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert total[0] == 1600


def test_hybrid_lock_is_reentrant_for_its_holder() -> None:
    lock = HybridLock()
    with lock, lock.sync_lock():
        assert lock.locked()
    assert not lock.locked()


async def test_hybrid_lock_excludes_tasks_and_is_reentrant_within_a_task() -> None:
    lock = HybridLock()
    inside = 0
    most_inside = 0

    async def work() -> None:
        nonlocal inside, most_inside
        for _ in range(20):
            async with lock, lock:
                inside += 1
                most_inside = max(most_inside, inside)
                await asyncio.sleep(0)
                inside -= 1

    await asyncio.gather(*(work() for _ in range(5)))
    assert most_inside == 1
    assert not lock.locked()


async def test_hybrid_lock_waits_for_a_thread_without_blocking_the_event_loop() -> None:
    lock = HybridLock()
    taken = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(5)

    async def take() -> bool:
        async with lock:
            return True

    waiting = asyncio.create_task(take())
    await asyncio.sleep(0.02)
    assert not waiting.done()  # the loop still runs this test while the task waits
    release.set()
    assert await asyncio.wait_for(waiting, 5)
    await asyncio.to_thread(holder.join)


async def test_cancelled_waiter_does_not_lose_the_wake_up_of_the_next() -> None:
    lock = HybridLock()
    await lock.acquire_async()
    first = asyncio.create_task(lock.acquire_async())
    second = asyncio.create_task(lock.acquire_async())
    await asyncio.sleep(0)
    lock.release()  # wakes `first`, which is cancelled before it runs
    first.cancel()
    await asyncio.wait_for(second, 2)
    assert first.cancelled()


async def test_releasing_a_lock_one_does_not_hold_is_an_error() -> None:
    lock = HybridLock()
    with pytest.raises(RuntimeError):
        lock.release()


def test_thread_safe_dict_creates_each_missing_value_once() -> None:
    values: ThreadSafeDict[int] = ThreadSafeDict()
    made = AsyncSafeCounter()

    def make() -> int:
        return made.increment()

    threads = [
        threading.Thread(target=lambda: values.get_or_create("shared", make)) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made.get() == 1
    assert values.copy() == {"shared": 1}
    values.set("none", 0)
    assert values.delete("none")
    assert not values.delete("none")
    assert len(values) == 1


async def test_thread_safe_dict_awaits_an_async_factory_once() -> None:
    values: ThreadSafeDict[str] = ThreadSafeDict()
    calls = AsyncSafeCounter()

    async def make() -> str:
        await calls.aincrement()
        await asyncio.sleep(0.01)
        return "made"

    results = await asyncio.gather(*(values.aget_or_create_async("key", make) for _ in range(5)))
    assert results == ["made"] * 5
    assert await calls.aget() == 1


async def test_async_safe_counter_counts_from_threads_and_tasks_together() -> None:
    counter = AsyncSafeCounter(10)

    async def in_tasks() -> None:
        for _ in range(100):
            await counter.aincrement()

    def in_thread() -> None:
        for _ in range(100):
            counter.decrement()

    thread = threading.Thread(target=in_thread)
    thread.start()
    await asyncio.gather(in_tasks(), in_tasks())
    await asyncio.to_thread(thread.join)
    assert await counter.aget() == 110
