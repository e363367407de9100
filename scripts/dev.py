#!/usr/bin/env python3
"""Set up and run InjectQ's development tasks, starting from nothing but python3 and pip.

    python3 scripts/dev.py demo    # install everything, then run the demo
    python3 scripts/dev.py test    # install everything, then run every quality gate and test
    python3 scripts/dev.py bench   # install everything, then run the benchmarks
    python3 scripts/dev.py compat  # injectq 0.5.0's own tests against this project

uv is installed into `.tools/` with pip when it is not on PATH; it always uses the Python that
runs this script (it never downloads an interpreter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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
    env.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner about its successor
    return env


def sync(uv: str, env: dict[str, str]) -> None:
    # every command installs the same set (all packages, all groups): uv sync is exact, so a
    # smaller set would uninstall what another command needs
    say("installing the workspace with uv (all packages and dependency groups)")
    command = [uv, "sync", "--locked", "--all-packages", "--all-groups"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


#: programs the tests run, with the apt package that installs each and what needs it
SYSTEM_TOOLS = (
    ("redis-server", "redis-server", "the tests that need Redis (and the demo's worker)"),
    ("dot", "graphviz", "the test that renders a dependency graph with Graphviz"),
)


def ensure_system_tools(programs: tuple[str, ...]) -> None:
    """Install those of `programs` (see SYSTEM_TOOLS) that are missing.

    They are installed with apt-get (as root, or through passwordless sudo), with apt's own
    progress output. Where that is impossible the run goes on: the tests that need them are
    then skipped, and fail under CI=true.
    """
    missing = [
        (program, package, users)
        for program, package, users in SYSTEM_TOOLS
        if program in programs and not _installed(program)
    ]
    if not missing:
        return
    names = " ".join(package for _, package, _ in missing)
    needed_by = "; ".join(f"{program}: {users}" for program, _, users in missing)
    apt = shutil.which("apt-get")
    if apt is None:
        say(
            f"{names} missing and apt-get is not available: install it yourself "
            f"({needed_by}; those tests are skipped, and fail under CI=true)"
        )
        return
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            say(
                f"{names} missing; not root and no sudo: run `apt-get install -y {names}` as "
                f"root ({needed_by}; those tests are skipped until then)"
            )
            return
        prefix = [sudo, "-n"]  # never prompt for a password
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["update"], ["install", "-y", *names.split()]):
        say(f"installing {names}: apt-get {' '.join(step)}")
        code: int | str
        try:
            code = subprocess.run([*prefix, apt, *step], env=env, check=False).returncode
        except OSError as error:
            code = f"{error}"
        if code != 0:
            say(
                f"apt-get {step[0]} failed ({code}): {needed_by}; those tests are skipped, "
                "and fail under CI=true"
            )
            return
    for program, _, _ in missing:
        say(f"{program} installed: {shutil.which(program) or 'not on PATH'}")


def _installed(program: str) -> bool:
    # Debian puts some servers in /usr/sbin, which is not on every user's PATH
    return bool(shutil.which(program)) or Path("/usr/sbin", program).exists()


def run(uv: str, env: dict[str, str], *command: str) -> int:
    return subprocess.run([uv, "run", "--no-sync", *command], cwd=ROOT, env=env).returncode


def demo(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    ensure_system_tools(("redis-server",))
    say("running the demo: the shop (examples/shop/) as an API, tasks and an MCP server")
    return run(uv, env, "python", "-m", "examples.shop.demo", *arguments)


def bench(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    return run(uv, env, "python", "benchmarks/run.py", *arguments)


GATES: list[tuple[str, list[str]]] = [
    ("ruff lint", ["ruff", "check", "."]),
    ("ruff format", ["ruff", "format", "--check", "."]),
    ("mypy --strict", ["mypy"]),
    ("pyright", ["pyright"]),
]


def docs_gate(site: str) -> tuple[str, list[str]]:
    """The documentation site built in strict mode (any warning fails), into `site`.

    `--quiet` leaves only warnings and errors; the build reads the code's docstrings
    statically and runs none of the pages' examples (tests/docs runs those).
    """
    return ("mkdocs build --strict", ["mkdocs", "build", "--strict", "--quiet", "--site-dir", site])


def fetch_compat_sdist(uv: str, env: dict[str, str]) -> None:
    """injectq 0.5.0's sdist, for tests/compat/test_upstream_release.py (fetched once)."""
    say("fetching injectq 0.5.0's sdist into .tools/compat/ (its tests and docs run here)")
    if run(uv, env, "python", "scripts/compat.py", "--fetch", str(TOOLS / "compat")) != 0:
        say("could not fetch it: that test is skipped, and fails under CI=true")


def test(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    ensure_system_tools(("redis-server", "dot"))
    fetch_compat_sdist(uv, env)
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="injectq-site-") as site:
        for name, command in [*GATES, docs_gate(site)]:
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


def compat(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    sync(uv, env)
    say("injectq 0.5.0's own test suite, unchanged, against this project")
    return run(uv, env, "python", "scripts/compat.py", *arguments)


COMMANDS = {"demo": demo, "test": test, "bench": bench, "compat": compat}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python3 scripts/dev.py {{{'|'.join(COMMANDS)}}} [arguments...]")
        return 2
    uv = find_uv()
    return COMMANDS[sys.argv[1]](uv, environment(), sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
