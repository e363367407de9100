"""The README's commands and the benchmark harness work as documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.DOTALL)
    assert block, "the README has a bash block with the set-up commands"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_names_one_demo_command_and_one_test_command() -> None:
    assert _readme_commands() == ["python3 scripts/dev.py demo", "python3 scripts/dev.py test"]


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "exec python3 scripts/dev.py test" in script


def test_readme_demo_command_runs_the_demo_and_every_expectation_holds() -> None:
    demo = _readme_commands()[0].split()
    completed = subprocess.run(
        [sys.executable, *demo[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "all expectations met" in completed.stdout
    assert "[FAILED]" not in completed.stdout
    # the shop demo: validated at start-up, served over HTTP, its tasks, tools and cron task ran
    output = completed.stdout
    assert re.search(r"validated \d+ entry points", output)
    assert re.search(r"starting API on 127\.0\.0\.1:\d+", output)
    for line in ("creating order 1/3", "creating order 3/3", "=== report"):
        assert line in output
    for correlation_id in ("corr-1", "corr-2", "corr-3"):  # the request, then its two tasks
        assert re.search(
            rf"^{correlation_id} \(tenant \w+\)\n  POST /orders .*commit, close.*\n"
            r"  task shop\.confirm_order .*commit, close.*\n"
            r"  task shop\.send_order_email .*mail-[\d.]+ +commit, close",
            output,
            re.MULTILINE,
        ), output
    assert re.search(r"tool look_up_order\(999\) .*rollback, close", output)
    assert re.search(r"tool resend_order_email .*\n  task shop\.send_order_email", output)
    assert re.search(r"task shop\.cleanup_outbox .*commit, close", output)
    assert "outbox (4 rows)" in output


def test_shop_demo_on_redis_runs_its_tasks_in_a_taskiq_worker_process() -> None:
    from tests._servers import running_redis_server

    with running_redis_server() as redis:
        completed = subprocess.run(
            [sys.executable, "-m", "examples.shop.demo", "--redis", redis.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    output = completed.stdout
    assert completed.returncode == 0, output + completed.stderr
    assert "all expectations met" in output
    assert "stopped worker (exit 0)" in output
    assert "stopped scheduler (exit 0)" in output
    # the API's units and the tasks' units are in two processes: ids carry the process id
    post = re.search(r"POST /orders +uow-(\d+)\.", output)
    task = re.search(r"task shop\.confirm_order +uow-(\d+)\.", output)
    assert post, output
    assert task, output
    assert post.group(1) != task.group(1)


_SHOP_WITHOUT_EMAILS = """
import sys

from examples.shop import demo, modules


async def send_nothing(self, context, order_id, body):
    return None


modules.EmailSender.send = send_nothing
sys.exit(demo.main())
"""


def test_shop_demo_exits_non_zero_and_names_the_expectation_that_failed() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _SHOP_WITHOUT_EMAILS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "[FAILED] outbox has 0 email(s) for corr-1" in completed.stdout
    assert "all expectations met" not in completed.stdout


def test_benchmark_harness_checks_every_contestant_in_a_quick_run() -> None:
    completed = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--no-docs", "--strict"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for scenario in ("S1", "S2", "S3", "S4"):
        assert scenario in completed.stdout
    assert "injectq" in completed.stdout
    assert "FAILED" not in completed.stdout


_BROKEN_TASKIQ_CONTESTANT = """
import sys

sys.path.insert(0, "benchmarks")
import run
import taskiq_contestants.floor as floor
from _taskiq_harness import TaskiqCase
from _taskiq_model import AppState, Session, task_body


def build(broker):
    state, shared = AppState(), Session()

    @broker.task
    async def shared_session_task(x: int):
        return await task_body(x, shared, shared, state)

    return TaskiqCase(shared_session_task)


floor.build = build
sys.exit(run.main(sys.argv[1:]))
"""


def test_taskiq_benchmark_suite_checks_every_contestant_and_strict_fails_a_broken_one() -> None:
    quick = ["--suite", "taskiq", "--quick", "--no-docs", "--strict"]
    completed = subprocess.run(
        [sys.executable, "benchmarks/run.py", *quick],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for name in ("T1", "T2", "no injection", "injectq", "taskiq-depends", "dishka", "tasks/s"):
        assert name in completed.stdout
    assert "FAILED" not in completed.stdout

    # a contestant whose tasks share one Session fails its check, and --strict says so
    broken = subprocess.run(
        [sys.executable, "-c", _BROKEN_TASKIQ_CONTESTANT, *quick, "--contestants=no injection"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert re.search(r"no injection +FAILED: check failed: .*not one per task run", broken.stdout)


def test_each_wheel_names_the_pythons_ci_tests_it_on() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import dev  # scripts/dev.py: CI_PYTHONS is what CI runs besides the machine's Python

    versions = {"3.11", *(name.removesuffix("t") for name in dev.CI_PYTHONS)}
    for pyproject in sorted((ROOT / "packages").glob("*/pyproject.toml")):
        text = pyproject.read_text()
        for version in versions:
            assert f'"Programming Language :: Python :: {version}"' in text, pyproject
    core = (ROOT / "packages" / "injectq-core-scopes" / "pyproject.toml").read_text()
    free_threaded = any(name.endswith("t") for name in dev.CI_PYTHONS)
    assert ("Programming Language :: Python :: Free Threading" in core) is free_threaded
