"""`python -m injectq graph --entry` on a FastAPI app, a taskiq broker or task, a FastMCP
server: their entry points come from the adapters' helpers. (The CLI runs in this process:
tests/core/test_graph_cli.py runs it end to end.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from injectq._cli import main
from injectq.integrations.fastapi import route_entry_points
from injectq.integrations.fastmcp import mcp_entry_points
from injectq.integrations.taskiq import task_entry_points
from tests.cli import frameworks_app

APP = "tests.cli.frameworks_app"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


Graph = Callable[..., Run]


@pytest.fixture
def graph(capsys: pytest.CaptureFixture[str]) -> Graph:
    def run(*arguments: str) -> Run:
        code = main(["graph", f"{APP}:container", *arguments])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def test_an_app_a_broker_and_a_server_give_all_their_entry_points(graph: Graph) -> None:
    completed = graph("--entry", f"{APP}:app", "--entry", f"{APP}:broker", "--entry", f"{APP}:mcp")

    entries = [
        *route_entry_points(frameworks_app.app),
        *task_entry_points(frameworks_app.broker),
        *mcp_entry_points(frameworks_app.mcp),
    ]
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == frameworks_app.container.graph(entry_points=entries)
    for name in ("GET /orders", "task audit", "task count_orders", "tool search"):
        assert f'(["{name}"]):::entry' in completed.stdout


def test_a_task_object_is_its_own_entry_point(graph: Graph) -> None:
    completed = graph("--entry", f"{APP}:audit", "--format", "dot")

    assert completed.returncode == 0, completed.stderr
    assert '    e0 [label="task audit"' in completed.stdout
    assert "count_orders" not in completed.stdout
    assert '    e0 -> n1 [label="not supplied"' in completed.stdout


def test_only_picks_a_route_or_a_tool_by_the_name_validation_uses(graph: Graph) -> None:
    completed = graph("--entry", f"{APP}:app", "--entry", f"{APP}:mcp", "--only", "tool search")

    assert completed.returncode == 0, completed.stderr
    assert '(["tool search"])' in completed.stdout
    assert "GET /orders" not in completed.stdout
    assert "Caller" not in completed.stdout


def test_a_broker_injectq_is_not_set_up_on_is_an_error(graph: Graph) -> None:
    completed = graph("--entry", f"{APP}:plain_broker")

    assert completed.returncode == 2
    assert "InjectQ is not set up on this broker" in completed.stderr
