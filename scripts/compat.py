#!/usr/bin/env python3
"""Run the published injectq 0.5.0's own test suite, unchanged, against this project.

    python3 scripts/dev.py compat            # download, run, print the counts
    python3 scripts/dev.py compat -- -k scope   # extra arguments go to pytest

The sdist is downloaded with pip (into a temporary folder, never into this repository), its
`tests/` folder is copied next to a pytest configuration equal to upstream's (without its
coverage options), and pytest runs it with this project's `injectq` importable: the sdist's own
`injectq/` package is left out, so every import reaches this project.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.5.0"

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
    with tempfile.TemporaryDirectory(prefix="injectq-compat-") as temporary:
        work = Path(temporary)
        sdist = download(work / "download", pip_python)
        suite = work / "suite"
        shutil.copytree(sdist / "tests", suite / "tests")
        (suite / "pytest.ini").write_text(PYTEST_CONFIG)
        say(f"running upstream's {len(list((suite / 'tests').rglob('test_*.py')))} test files")
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
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
        print(completed.stdout[-4000:])
        summary = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
        counts = {
            name: int(number)
            for number, name in re.findall(r"(\d+) (passed|failed|error|errors|skipped)", summary)
        }
        passed = counts.get("passed", 0)
        total = upstream_total(sdist)
        say(
            f"injectq {VERSION}'s own tests against this project: {passed} of its {total} "
            f"passed ({summary.strip('= ')}; an error is a test module that cannot be "
            "imported here, with every test in it)"
        )
        return 0


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
