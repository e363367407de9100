"""Processes and app loading for the distributed tests.

Every process started here runs in a session of its own, writes its output to a file, and
is stopped with a signal and then killed (its whole process group: taskiq's forked workers
too) when it does not exit in time. `STARTED` lets the conftest attach the output of the
processes a failed test used to its report.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
APP_FILE = Path(__file__).with_name("worker_app.py")
#: the task module on RedisStreamBroker (acknowledged messages, redelivery)
STREAM_APP_FILE = Path(__file__).with_name("stream_app.py")
STREAM_APP_MODULE = "tests.e2e.stream_app"
#: how `taskiq worker` / `taskiq scheduler` import the app (PYTHONPATH and cwd: the repo root)
APP_MODULE = "tests.e2e.worker_app"
#: the namespace (queue, records, schedules) of the worker and scheduler that tests share
SHARED_NAMESPACE = "shared"
#: how long a process may take to start, and to stop after its signal before it is killed
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


class ManagedProcess:
    """A subprocess with its output in a file."""

    def __init__(
        self, name: str, command: list[str], env: Mapping[str, str], log_path: Path, owner: str
    ) -> None:
        self.name = name
        self.command = command
        self.log_path = log_path
        self.owner = owner
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def describe(self, lines: int = 150) -> str:
        state = "running" if self.running else f"exit code {self.process.returncode}"
        tail = "\n".join(self.output().splitlines()[-lines:])
        return f"$ {' '.join(self.command)}\n[pid {self.pid}, {state}]\n{tail}"

    def wait_for_output(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """Wait until the output matches `pattern`; fail with the output otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output())
            if found:
                return found
            if not self.running:
                pytest.fail(f"{self.name} exited before printing {pattern!r}:\n{self.describe()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name}: no {pattern!r} within {timeout}s:\n{self.describe()}")
            time.sleep(0.05)

    def send(self, signum: int, *, group: bool = False) -> None:
        """Send a signal to the process, or to its process group (as Ctrl-C does)."""
        if not self.running:
            return
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it still runs after `timeout` seconds."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, signum: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Signal it, wait up to `timeout` seconds, then kill its process group."""
        self.send(signum)
        code = self.wait(timeout)
        if code is None:
            self.kill()
            code = self.process.wait(10)
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


#: every process started in this session (for failure reports)
STARTED: list[ManagedProcess] = []


class Worker:
    """A `taskiq worker` main process; `children` are the pids of its worker processes."""

    def __init__(self, process: ManagedProcess, workers: int) -> None:
        self.process = process
        self.workers = workers
        self.children: list[int] = []

    def wait_started(self, timeout: float = START_TIMEOUT) -> Worker:
        self.children = [
            int(
                self.process.wait_for_output(
                    rf"Started process worker-{i} with pid (\d+)", timeout
                )[1]
            )
            for i in range(self.workers)
        ]
        self.process.wait_for_output(r"Listening started", timeout)
        return self


class Api:
    """A uvicorn process; `url` is known once `wait_started()` returned."""

    def __init__(self, process: ManagedProcess) -> None:
        self.process = process
        self.url = ""

    def wait_started(self, timeout: float = START_TIMEOUT) -> Api:
        """Wait until uvicorn has run the app's startup and accepts connections."""
        found = self.process.wait_for_output(r"Uvicorn running on (http://[\d.]+):(\d+)", timeout)
        host, port = found[1].removeprefix("http://"), int(found[2])
        with socket.create_connection((host, port), timeout=timeout):
            pass
        self.url = f"{found[1]}:{port}"
        return self


def process_env(redis_url: str | None, namespace: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env["INJECTQ_E2E_NAMESPACE"] = namespace
    env.pop("INJECTQ_E2E_REDIS_URL", None)
    if redis_url is not None:
        env["INJECTQ_E2E_REDIS_URL"] = redis_url
    return env


def taskiq_command(*arguments: str) -> list[str]:
    """The `taskiq` command line tool of this environment."""
    script = Path(sys.executable).with_name("taskiq")
    if script.exists():
        return [str(script), *arguments]
    return [sys.executable, "-m", "taskiq", *arguments]


class ProcessStarter:
    """Starts processes for one owner (a test or a module) and stops what still runs."""

    def __init__(self, owner: str, directory: Path) -> None:
        self.owner = owner
        self.directory = directory
        self.started: list[ManagedProcess] = []

    def start(self, name: str, command: list[str], env: Mapping[str, str]) -> ManagedProcess:
        log_path = self.directory / f"{name}-{uuid.uuid4().hex[:8]}.log"
        process = ManagedProcess(name, command, env, log_path, self.owner)
        STARTED.append(process)
        self.started.append(process)
        return process

    def start_worker(
        self,
        redis_url: str,
        namespace: str,
        *,
        workers: int = 1,
        app: str = APP_MODULE,
        arguments: Sequence[str] = (),
    ) -> Worker:
        """`taskiq worker <app>:broker`, with `arguments` added (call `wait_started()` on the
        result)."""
        command = taskiq_command(
            "worker",
            f"{app}:broker",
            "--workers", str(workers),
            "--max-async-tasks", "50",
            "--shutdown-timeout", "5",
            "--wait-tasks-timeout", "5",
            "--log-level", "INFO",
            *arguments,
        )  # fmt: skip
        env = process_env(redis_url, namespace)
        return Worker(self.start(f"worker[{namespace}]", command, env), workers)

    def start_scheduler(self, redis_url: str, namespace: str) -> ManagedProcess:
        """`taskiq scheduler tests.e2e.worker_app:scheduler`, reading schedules every second."""
        command = taskiq_command(
            "scheduler",
            f"{APP_MODULE}:scheduler",
            "--update-interval", "1",
            "--log-level", "INFO",
        )  # fmt: skip
        return self.start(f"scheduler[{namespace}]", command, process_env(redis_url, namespace))

    def start_api(self, app: str, redis_url: str, namespace: str) -> Api:
        """`python -m uvicorn <app>` on a port the OS picks (call `wait_started()` on it)."""
        command = [
            sys.executable, "-m", "uvicorn", app,
            "--host", "127.0.0.1",
            "--port", "0",  # no race for a free port: uvicorn binds one and prints it
            "--timeout-graceful-shutdown", "5",
            "--log-level", "info",
        ]  # fmt: skip
        return Api(self.start(f"api[{namespace}]", command, process_env(redis_url, namespace)))

    def close(self) -> None:
        """SIGINT to whatever still runs (all at once), then kill what outlives STOP_TIMEOUT."""
        running = [process for process in self.started if process.running]
        for process in running:
            process.send(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            if process.wait(max(0.0, deadline - time.monotonic())) is None:
                process.kill()
                process.wait(10)


def load_app(
    redis_url: str | None,
    namespace: str,
    record_dir: Path | None = None,
    app_file: Path = APP_FILE,
) -> ModuleType:
    """A fresh instance of the app module (`app_file`, by default worker_app.py), configured
    through the environment as in a process.

    Each is loaded under a name of its own (its tasks have explicit names), so the test
    process can hold several: one per worker namespace, one on the InMemoryBroker.
    """
    overrides = {
        "INJECTQ_E2E_REDIS_URL": redis_url,
        "INJECTQ_E2E_NAMESPACE": namespace,
        "INJECTQ_E2E_RECORD_DIR": str(record_dir) if record_dir is not None else None,
    }
    saved = {key: os.environ.get(key) for key in overrides}
    name = f"injectq_e2e_app_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, app_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        _set_env(overrides)
        spec.loader.exec_module(module)
    finally:
        _set_env(saved)
    return module


def _set_env(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
