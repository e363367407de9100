"""`--redis URL`: the taskiq worker and scheduler as processes of their own."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Process:
    """A subprocess in a session of its own (its forked children too), output in a file."""

    def __init__(self, name: str, command: list[str], folder: str) -> None:
        self.name = name
        self.log_path = Path(folder, f"{name}.log")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGINT (a graceful shutdown: the worker closes its container), then SIGKILL."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_worker_and_scheduler(folder: str) -> list[Process]:
    taskiq = [sys.executable, "-m", "taskiq"]
    worker = [*taskiq, "worker", "examples.shop.tasks:broker", "--workers", "1"]
    # ack a message once its result is stored (taskiq's default, said out loud): a worker
    # killed before that leaves it pending on the stream, for another worker to run again
    worker += ["--ack-type", "when_saved"]
    return [
        Process("worker", worker, folder),
        Process("scheduler", [*taskiq, "scheduler", "examples.shop.tasks:scheduler"], folder),
    ]
