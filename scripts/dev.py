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
#: a virtual environment per other CPython the tests run on (`test --python NAME`)
VENVS = ROOT / ".venvs"


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


#: the other CPythons CI runs the test command on (see scripts/pythons.py)
CI_PYTHONS = ("3.13", "3.13t")
#: the tests that use hypothesis: it has no free-threaded wheel, and building its Rust part
#: needs crates.io, which this machine cannot reach (they run on the other CPythons)
NEEDS_HYPOTHESIS = ("tests/core/test_properties.py", "tests/taskiq/test_cron.py")


def test(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    """The test command on the machine's Python, or on `--python NAME`; under CI=true also
    on each of CI_PYTHONS."""
    python, arguments = take_option(arguments, "--python")
    if python is not None:
        return test_on(uv, env, python, arguments)
    failed = test_here(uv, env, arguments)
    if os.environ.get("CI", "").strip().lower() == "true":
        for other in CI_PYTHONS:
            failed |= test_on(uv, env, other, arguments)
    return failed


def take_option(arguments: list[str], option: str) -> tuple[str | None, list[str]]:
    """`option VALUE` (or `option=VALUE`) taken out of `arguments`."""
    for index, argument in enumerate(arguments):
        if argument == option and index + 1 < len(arguments):
            return arguments[index + 1], arguments[:index] + arguments[index + 2 :]
        if argument.startswith(option + "="):
            return argument.partition("=")[2], arguments[:index] + arguments[index + 1 :]
    return None, arguments


def test_here(uv: str, env: dict[str, str], arguments: list[str]) -> int:
    """Every quality gate and the whole test suite, with the interpreter `env` names."""
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


def test_on(uv: str, env: dict[str, str], name: str, arguments: list[str]) -> int:
    """The test command on another CPython, found or built (scripts/pythons.py), in a venv of
    its own (.venvs/NAME). A free-threaded one runs the core's tests and the stress suite,
    then the adapters' where their dependencies install."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import pythons

    executable = pythons.interpreter(name)
    other = dict(env, UV_PYTHON=str(executable), UV_PROJECT_ENVIRONMENT=str(VENVS / name))
    started = time.monotonic()
    say(f"the test command on CPython {name} ({executable})")
    if pythons.SUPPORTED[name].free_threaded:
        failed = test_free_threaded(uv, other, name, arguments)
    else:
        failed = test_here(uv, other, arguments)
    status = "ok" if failed == 0 else "FAILED"
    say(f"CPython {name}: {status} in {time.monotonic() - started:.0f}s")
    return failed


def test_free_threaded(uv: str, env: dict[str, str], name: str, arguments: list[str]) -> int:
    # the core alone first: an extension module without free-threading support would turn
    # the GIL back on for the whole process, and the stress suite checks that it is off
    say(f"installing the core and the test tools for CPython {name}")
    subprocess.run(
        [uv, "sync", "--locked", "--package", "injectq-core-scopes", "--group", "test"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    say(f"pytest: the core's tests and the free-threading stress suite on CPython {name}")
    say(f"  (without {', '.join(NEEDS_HYPOTHESIS)}: hypothesis has no free-threaded build here)")
    skipped = [f"--ignore={path}" for path in NEEDS_HYPOTHESIS]
    failed = run(uv, env, "pytest", "tests/core", "tests/stress", *skipped, *arguments) != 0
    adapters_env = dict(env, UV_PROJECT_ENVIRONMENT=str(VENVS / f"{name}-adapters"))
    say(f"installing the adapters and their frameworks for CPython {name}")
    installed = subprocess.run(
        [uv, "sync", "--locked", "--all-packages", "--group", "test", "--group", "demo"],
        cwd=ROOT,
        env=adapters_env,
        check=False,
    )
    if installed.returncode != 0:
        say(f"the adapters' dependencies do not install on CPython {name}: their tests skipped")
        return int(failed)
    ensure_system_tools(("redis-server",))
    say(f"pytest: the adapters' tests on CPython {name}")
    adapters = ["tests/taskiq", "tests/fastapi", "tests/fastmcp", "tests/conformance"]
    failed |= run(uv, adapters_env, "pytest", *adapters, *skipped, *arguments) != 0
    return int(failed)


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
