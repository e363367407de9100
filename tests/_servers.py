"""Real servers for tests: a `redis-server` on a free loopback port, in a temporary directory.

Tests take it as the session-wide `redis_server` fixture of tests/conftest.py:

    def test_sends(redis_server: RedisServer) -> None:
        broker = ListQueueBroker(redis_server.url, queue_name=f"test-{uuid.uuid4().hex}")

or start one of their own with `running_redis_server()`. When `redis-server` is not
installed the fixture fails if the environment variable CI is "true" (CI must run every
test) and skips otherwise, saying how to get it (`python3 scripts/dev.py test` installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator

#: where redis-server lives when it is not on PATH (Debian puts tools in /usr/sbin sometimes)
_FALLBACK_LOCATIONS = (
    "/usr/bin/redis-server",
    "/usr/sbin/redis-server",
    "/usr/local/bin/redis-server",
)


@dataclass(frozen=True)
class RedisServer:
    """A running redis-server: `url` is `redis://127.0.0.1:<port>/0`."""

    host: str
    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis-server.log"

    def log(self) -> str:
        """What the server printed so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def ping(self, timeout: float = 1.0) -> bool:
        return _ping(self.host, self.port, timeout)


def find_redis_server() -> str | None:
    """The path of the redis-server executable, or None."""
    found = shutil.which("redis-server")
    if found:
        return found
    for candidate in _FALLBACK_LOCATIONS:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def require_redis_server() -> str:
    """redis-server's path; otherwise fail under CI=true, skip elsewhere."""
    executable = find_redis_server()
    if executable is not None:
        return executable
    reason = (
        "redis-server is not installed; `python3 scripts/dev.py test` installs it with apt-get "
        "(or run: apt-get install -y redis-server)"
    )
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}. CI=true: tests that need Redis must not be skipped")
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now (the caller retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_redis_server(
    *,
    start_timeout: float = 10.0,
    stop_timeout: float = 5.0,
    attempts: int = 3,
) -> Generator[RedisServer]:
    """Start redis-server on a free loopback port, wait until it answers PING, stop it after.

    No persistence (`--save ''`, `--appendonly no`); its working directory and log are a
    temporary directory that is removed afterwards. A server that does not stop within
    `stop_timeout` seconds of SIGTERM is killed.
    """
    executable = require_redis_server()
    host = "127.0.0.1"
    with tempfile.TemporaryDirectory(prefix="injectq-redis-") as temporary:
        directory = Path(temporary)
        failures: list[str] = []
        server: RedisServer | None = None
        for _ in range(attempts):
            port = free_port(host)
            candidate = _start(executable, host, port, directory)
            if _wait_until_ready(candidate, start_timeout):
                server = candidate
                break
            _stop(candidate.process, stop_timeout)
            # another process may have taken the port between probe and bind: try another
            failures.append(
                f"port {port}: exit code {candidate.process.returncode}\n{candidate.log()}"
            )
        if server is None:
            pytest.fail(
                f"redis-server did not answer PING within {start_timeout}s "
                f"({attempts} attempts):\n" + "\n".join(failures)
            )
        try:
            yield server
        finally:
            _stop(server.process, stop_timeout)


def _start(executable: str, host: str, port: int, directory: Path) -> RedisServer:
    log_path = directory / "redis-server.log"
    with log_path.open("ab") as log:
        command = [executable, "--port", str(port), "--bind", host, "--dir", str(directory)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
    return RedisServer(host=host, port=port, directory=directory, process=process)


def _wait_until_ready(server: RedisServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if server.ping(timeout=0.5):
            return True
        time.sleep(0.05)
    return False


def _ping(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
