#!/usr/bin/env python3
"""Set up and run InjectQ's development tasks, starting from nothing but python3 and pip.

    python3 scripts/dev.py demo    # install everything, then run the demo
    python3 scripts/dev.py test    # install everything, then run every quality gate and test
    python3 scripts/dev.py bench   # install everything, then run the benchmarks

uv is installed into `.tools/` with pip when it is not on PATH; it always uses the Python that
runs this script (it never downloads an interpreter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def find_uv() -> str:
    on_path = shutil.which("uv")
    if on_path:
        return on_path
    local = TOOLS / "bin" / "uv"
    if local.exists():
        return str(local)
    say("installing uv with pip into .tools/")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(TOOLS), "uv"],
        check=True,
    )
    return str(local)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    # the machine's interpreter, even when this script runs inside the project's own venv
    env["UV_PYTHON"] = getattr(sys, "_base_executable", sys.executable)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def sync(uv: str, env: dict[str, str]) -> None:
    # every command installs the same set (all packages, all groups): uv sync is exact, so a
    # smaller set would uninstall what another command needs
    say("installing the workspace with uv (all packages and dependency groups)")
    command = [uv, "sync", "--locked", "--all-packages", "--all-groups"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def run(uv: str, env: dict[str, str], *command: str) -> int:
    return subprocess.run([uv, "run", "--no-sync", *command], cwd=ROOT, env=env).returncode


def demo(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    say("running the demo")
    return run(uv, env, "python", "examples/core_demo.py", *arguments)


def bench(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    return run(uv, env, "python", "benchmarks/run.py", *arguments)


GATES: list[tuple[str, list[str]]] = [
    ("ruff lint", ["ruff", "check", "."]),
    ("ruff format", ["ruff", "format", "--check", "."]),
    ("mypy --strict", ["mypy"]),
    ("pyright", ["pyright"]),
]


def test(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    failed: list[str] = []
    for name, command in GATES:
        say(name)
        started = time.monotonic()
        code = run(uv, env, *command)
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        say(f"{name}: {status} in {time.monotonic() - started:.1f}s")
        if code != 0:
            failed.append(name)
    if failed:
        say(f"quality gates failed: {', '.join(failed)} (pytest runs anyway)")
    say("pytest")
    code = run(uv, env, "pytest", *arguments)
    if code != 0:
        failed.append("pytest")
    return 1 if failed else 0


COMMANDS = {"demo": demo, "test": test, "bench": bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python3 scripts/dev.py {{{'|'.join(COMMANDS)}}} [arguments...]")
        return 2
    uv = find_uv()
    return COMMANDS[sys.argv[1]](uv, environment(), sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
