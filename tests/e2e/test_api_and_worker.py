"""An API and a worker from the same Modules: uvicorn, a taskiq worker and a redis-server.

Both processes run `tests.e2e.shop_app`. The test process is only an HTTP client: it posts
orders to uvicorn and reads the tasks' results through the API, which reads them from Redis.
What the finalizers did is read from the processes' output.
"""

from __future__ import annotations

import signal
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from ._harness import STOP_TIMEOUT, Api, ProcessStarter, Worker

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests._servers import RedisServer

SHOP = "tests.e2e.shop_app"
RESULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class Shop:
    api: Api
    worker: Worker
    http: httpx.Client

    @property
    def running(self) -> bool:
        return self.api.process.running and self.worker.process.running

    def order(self, item: str, correlation_id: str, tenant: str) -> dict[str, Any]:
        headers = {"x-correlation-id": correlation_id, "x-tenant": tenant}
        response = self.http.post("/orders", json={"item": item}, headers=headers)
        assert response.status_code == 200, response.text
        placed: dict[str, Any] = response.json()
        return placed

    def result(self, task_id: str) -> Any:
        """The task's return value, once the worker stored it (read through the API)."""
        deadline = time.monotonic() + RESULT_TIMEOUT
        while True:
            outcome = self.http.get(f"/tasks/{task_id}").json()
            if outcome["ready"]:
                assert outcome["error"] is None, outcome["error"]
                return outcome["value"]
            assert time.monotonic() < deadline, f"no result for task {task_id}"
            time.sleep(0.05)


class Shops:
    """Starts an API and a worker on a namespace of their own; the tests share them, and a
    test that stopped them (the shutdown test) leaves the next one a fresh pair."""

    def __init__(self, starter: ProcessStarter, redis_server: RedisServer) -> None:
        self.starter = starter
        self.redis_server = redis_server
        self.current: Shop | None = None

    def get(self) -> Shop:
        if self.current is None or not self.current.running:
            self.close()
            self.current = self.open()
        return self.current

    def open(self) -> Shop:
        url, namespace = self.redis_server.url, f"shop-{uuid.uuid4().hex[:6]}"
        # started together: their imports overlap
        worker = self.starter.start_worker(url, namespace, app=SHOP)
        api = self.starter.start_api(f"{SHOP}:app", url, namespace)
        worker.wait_started()
        api.wait_started()
        return Shop(api, worker, httpx.Client(base_url=api.url, timeout=10))

    def close(self) -> None:
        if self.current is not None:
            self.current.http.close()
            self.current = None


@pytest.fixture(scope="module")
def shops(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Shops]:
    starter = ProcessStarter(request.node.nodeid, tmp_path_factory.mktemp("shop"))
    shops = Shops(starter, redis_server)
    try:
        yield shops
    finally:
        shops.close()
        starter.close()


@pytest.fixture
def shop(shops: Shops) -> Shop:
    return shops.get()


def test_a_posted_orders_task_sees_the_requests_context_in_a_unit_of_its_own(
    shop: Shop,
) -> None:
    placed = shop.order("book", correlation_id="corr-1", tenant="acme")
    confirmed = shop.result(placed["task_id"])

    assert placed["context"] == {"correlation_id": "corr-1", "tenant": "acme"}
    assert confirmed["context"] == placed["context"]  # propagated from the request
    assert confirmed["price"] == 12
    assert confirmed["unit"] != placed["request_unit"]  # the task's scope, not the request's
    (worker_pid,) = shop.worker.children
    assert confirmed["pid"] == worker_pid
    # each unit of work closed its own scope, in its own process
    shop.api.process.wait_for_output(
        f"closed UnitOfWork {placed['request_unit']} in {shop.api.process.pid}"
    )
    shop.worker.process.wait_for_output(f"closed UnitOfWork {confirmed['unit']} in {worker_pid}")


def test_the_api_and_the_worker_each_have_their_own_singleton_in_their_own_process(
    shop: Shop,
) -> None:
    first = shop.order("book", correlation_id="corr-2", tenant="acme")
    second = shop.order("pen", correlation_id="corr-3", tenant="globex")
    one, two = shop.result(first["task_id"]), shop.result(second["task_id"])

    api_singleton = shop.http.get("/identity").json()
    assert first["api_singleton"] == second["api_singleton"] == api_singleton
    assert api_singleton["pid"] == shop.api.process.pid  # uvicorn's own process
    assert first["request_unit"] != second["request_unit"]

    worker_singleton = one["worker_singleton"]
    assert two["worker_singleton"] == worker_singleton  # one per worker process
    assert worker_singleton["pid"] == one["pid"] == shop.worker.children[0]
    assert worker_singleton["pid"] != api_singleton["pid"]
    assert worker_singleton["id"] != api_singleton["id"]  # same Module classes, two objects
    assert one["unit"] != two["unit"]  # a unit of work per task
    assert (one["context"]["tenant"], two["context"]["tenant"]) == ("acme", "globex")


def test_a_task_sent_by_a_task_keeps_the_original_correlation_id(shop: Shop) -> None:
    placed = shop.order("pen", correlation_id="corr-chain", tenant="initech")
    confirmed = shop.result(placed["task_id"])
    receipt = shop.result(confirmed["receipt_task_id"])

    assert receipt["context"] == {"correlation_id": "corr-chain", "tenant": "initech"}
    assert receipt["item"] == "pen"
    assert receipt["unit"] not in (confirmed["unit"], placed["request_unit"])


def test_the_api_and_the_worker_stop_cleanly_on_sigterm_closing_their_singletons(
    shop: Shop,
) -> None:
    placed = shop.order("book", correlation_id="corr-stop", tenant="acme")
    confirmed = shop.result(placed["task_id"])
    api, worker = shop.api.process, shop.worker.process

    started = time.monotonic()
    api.send(signal.SIGTERM)
    worker.send(signal.SIGTERM)
    # uvicorn shuts down, then raises the signal it caught again: it ends "killed" by SIGTERM
    for process, expected, singleton in (
        (api, -signal.SIGTERM, placed["api_singleton"]),
        (worker, 0, confirmed["worker_singleton"]),
    ):
        code = process.wait(max(0.0, STOP_TIMEOUT - (time.monotonic() - started)))
        print(f"{process.name} exited {time.monotonic() - started:.1f}s after SIGTERM")
        assert code == expected, process.describe()
        output = process.output()
        assert f"closed Catalog {singleton['id']} in {singleton['pid']}" in output, output
        assert output.count("closed Catalog") == 1
        assert "Traceback" not in output, output
    # the API's singletons closed within its lifespan, before uvicorn reported it complete
    output = api.output()
    assert output.index("closed Catalog") < output.index("Application shutdown complete")
