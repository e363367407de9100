#!/usr/bin/env python3
"""Run the published injectq 0.5.0's own test suite and documentation, unchanged, here.

    python3 scripts/dev.py compat            # download, run both, print the counts
    python3 scripts/dev.py compat -k scope   # extra arguments go to pytest
    python3 scripts/compat.py --fetch DIR    # only download and extract it under DIR
    python3 scripts/compat.py --sdist PATH   # run with an sdist extracted before

The sdist is downloaded with pip (into a temporary folder, never into this repository).

- Its `tests/` folder is copied next to a pytest configuration equal to upstream's (without
  its coverage options), and pytest runs it with this project's `injectq` importable: the
  sdist's own `injectq/` package is left out, so every import reaches this project.
- The Python blocks of its README and of the pages a migrating user follows (`PAGES`) run in
  page order, one namespace and one process per page (`compat_pages.py`): first with the
  sdist's own package, to learn which blocks run on injectq 0.5.0 itself, then with this
  project. A block that runs there must run here, except the few listed in `DIFFERS_ON_PURPOSE`.

The exit status is 1 when such a block fails here, or when fewer than `FLOOR` tests pass.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.5.0"

#: the issue's bar: at least this many of upstream's tests pass unchanged
FLOOR = 400

#: the README and the pages of upstream's docs a migrating user follows, in their order
PAGES = (
    "README.md",
    "docs/getting-started/quick-start.md",
    "docs/injection-patterns/dict-interface.md",
    "docs/injection-patterns/factory-methods.md",
    "docs/injection-patterns/inject-decorator.md",
    "docs/injection-patterns/parameterized-factories.md",
    "docs/modules/overview.md",
    "docs/scopes/understanding-scopes.md",
    "docs/scopes/singleton-scope.md",
    "docs/scopes/transient-scope.md",
    "docs/scopes/scoped-services.md",
    "docs/testing/overview.md",
    "docs/testing/testing-patterns.md",
    "docs/integrations/fastapi.md",
    "docs/integrations/taskiq.md",
    "docs/integrations/fastmcp.md",
)

#: blocks that run on injectq 0.5.0 and fail here because 0.5.0's behaviour is the bug
DIFFERS_ON_PURPOSE = {
    ("docs/scopes/scoped-services.md", 12): (
        "the page's own 'wrong' example: a request-scoped service resolved outside any scope "
        "is a ScopeError here; 0.5.0 makes one instance that every caller then shares"
    ),
}

PYTEST_CONFIG = """\
[pytest]
testpaths = tests
python_files = test_*.py *_test.py
python_classes = Test*
python_functions = test_*
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
markers =
    slow: marks tests as slow
    integration: marks tests as integration tests
    asyncio: marks tests as async
"""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def download(into: Path, pip_python: str) -> Path:
    say(f"downloading the injectq {VERSION} sdist with pip")
    subprocess.run(
        [
            pip_python,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"injectq=={VERSION}",
            "--dest",
            str(into),
        ],
        check=True,
    )
    (archive,) = into.glob(f"injectq-{VERSION}.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / f"injectq-{VERSION}"


def main(arguments: list[str]) -> int:
    pip_python = getattr(sys, "_base_executable", sys.executable)
    if arguments[:1] == ["--fetch"]:  # python3 scripts/compat.py --fetch DIR
        (into,) = arguments[1:]
        print(fetch(Path(into), pip_python))
        return 0
    with tempfile.TemporaryDirectory(prefix="injectq-compat-") as temporary:
        work = Path(temporary)
        if arguments[:1] == ["--sdist"]:  # an sdist already fetched (the test suite's way)
            sdist, arguments = Path(arguments[1]).resolve(), arguments[2:]
        else:
            sdist = download(work / "download", pip_python)
        passed = run_suite(sdist, work / "suite", arguments)
        failing = run_pages(sdist)
    ok = passed >= FLOOR and not failing
    say("compat: " + ("met" if ok else "NOT met") + f" (at least {FLOOR} tests, every page block)")
    return 0 if ok else 1


def fetch(into: Path, pip_python: str) -> Path:
    """The sdist extracted under `into`, downloaded the first time only."""
    sdist = into / f"injectq-{VERSION}"
    if not (sdist / "tests").is_dir():
        download(into, pip_python)
    return sdist


def run_suite(sdist: Path, suite: Path, arguments: list[str]) -> int:
    """Run upstream's tests here; print the counts per test file; return how many passed."""
    shutil.copytree(sdist / "tests", suite / "tests")
    (suite / "pytest.ini").write_text(PYTEST_CONFIG)
    say(f"running upstream's {len(list((suite / 'tests').rglob('test_*.py')))} test files")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",  # a line per outcome, for the table
            "-p",
            "no:cacheprovider",
            # a test module that cannot import (an API this project lacks) fails alone
            "--continue-on-collection-errors",
            *arguments,
        ],
        cwd=suite,
        capture_output=True,
        text=True,
        check=False,
    )
    per_file: dict[str, dict[str, int]] = {}
    for outcome, path in re.findall(r"^(PASSED|FAILED|ERROR) ([^:\s]+)", completed.stdout, re.M):
        counts = per_file.setdefault(path, {})
        counts[outcome] = counts.get(outcome, 0) + 1
    print(f"{'test file':<48} passed  failed  errors")
    for path, counts in sorted(per_file.items()):
        print(
            f"{path:<48} {counts.get('PASSED', 0):>6}  {counts.get('FAILED', 0):>6}  "
            f"{counts.get('ERROR', 0):>6}"
        )
    summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    passed = sum(int(n) for n in re.findall(r"(\d+) passed", summary))
    total = upstream_total(sdist)
    say(
        f"injectq {VERSION}'s own tests against this project: {passed} of its {total} "
        f"passed ({summary.strip('= ')}; an error is a test module that cannot be "
        "imported here, with every test in it)"
    )
    return passed


def run_pages(sdist: Path) -> list[tuple[str, int, str]]:
    """Run the pages' blocks with 0.5.0, then here; print per page; return the blocks that
    run there and fail here (except those that differ on purpose)."""
    runner = Path(__file__).with_name("compat_pages.py")
    upstream_env = {**os.environ, "PYTHONPATH": str(sdist)}
    failing: list[tuple[str, int, str]] = []
    say(f"running the code blocks of {len(PAGES)} pages of injectq {VERSION}'s documentation")
    print(f"{'page':<52} blocks  run on 0.5.0  run here")
    for page in PAGES:
        there = page_outcomes(runner, sdist / page, upstream_env)
        here = page_outcomes(runner, sdist / page, dict(os.environ))
        expected = [n for n, outcome in enumerate(there, 1) if outcome == "ok"]
        runs_here = [n for n in expected if here[n - 1] == "ok"]
        print(f"{page:<52} {len(there):>6}  {len(expected):>12}  {len(runs_here):>8}")
        for n in expected:
            if here[n - 1] == "ok":
                continue
            reason = DIFFERS_ON_PURPOSE.get((page, n))
            if reason is not None:
                print(f"    block {n} differs on purpose: {reason}")
            else:
                print(f"    block {n} FAILS here: {here[n - 1]}")
                failing.append((page, n, here[n - 1]))
    return failing


def page_outcomes(runner: Path, page: Path, env: dict[str, str]) -> list[str]:
    completed = subprocess.run(
        [sys.executable, str(runner), str(page)],
        cwd=page.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"the page runner failed on {page.name}: {completed.stderr[-2000:]}")
    outcomes: list[str] = json.loads(lines[-1])[str(page)]
    return outcomes


def upstream_total(sdist: Path) -> int:
    """How many tests the suite has, collected against injectq 0.5.0 itself."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:injectq",  # this project's plugin: upstream's own package is the one imported
            "-o",
            "addopts=",
            "tests",
        ],
        cwd=sdist,
        env={**os.environ, "PYTHONPATH": str(sdist)},
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"(\d+) tests? collected", completed.stdout)
    return int(found.group(1)) if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
