"""The four wheels build, carry the right metadata, and install without the other frameworks.

`uv build --all-packages` builds every wheel (from its sdist) into a temporary directory; each
adapter wheel is then installed with the core wheel into a fresh virtual environment, where
it must import and must not have pulled in another adapter's framework. The core wheel alone
imports, and its `injectq.integrations.*` modules say which wheel is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
CORE = "injectq-core-scopes"


@dataclass(frozen=True)
class WheelSpec:
    project: str  # the distribution name, also the folder under packages/
    module: str  # the import package the wheel holds
    requires: frozenset[str]  # names in Requires-Dist without an extra
    extras: dict[str, frozenset[str]] = field(default_factory=dict[str, frozenset[str]])
    integration: str | None = None  # the `injectq.integrations.<name>` module it backs
    forbidden: frozenset[str] = frozenset()  # distributions its environment must not hold


TASKIQ_FAMILY = frozenset({"taskiq", "taskiq-dependencies", "taskiq-redis", "injectq-taskiq"})

WHEELS = {
    spec.project: spec
    for spec in (
        WheelSpec(CORE, "injectq", frozenset()),
        WheelSpec(
            "injectq-taskiq",
            "injectq_taskiq",
            frozenset({CORE, "taskiq", "anyio"}),
            extras={"redis": frozenset({"taskiq-redis"})},
            integration="taskiq",
            forbidden=frozenset(
                {"fastapi", "starlette", "fastmcp", "mcp", "injectq-fastapi", "injectq-fastmcp"}
                | {"taskiq-redis"}  # only with the [redis] extra
            ),
        ),
        WheelSpec(
            "injectq-fastapi",
            "injectq_fastapi",
            frozenset({CORE, "fastapi"}),
            integration="fastapi",
            forbidden=TASKIQ_FAMILY | {"fastmcp", "mcp", "injectq-fastmcp"},
        ),
        WheelSpec(
            "injectq-fastmcp",
            "injectq_fastmcp",
            frozenset({CORE, "fastmcp", "uncalled-for", "anyio"}),
            integration="fastmcp",
            # fastmcp itself brings starlette (its HTTP transports): that one is expected
            forbidden=TASKIQ_FAMILY | {"fastapi", "injectq-fastapi"},
        ),
    )
}
ADAPTERS = [name for name, spec in WHEELS.items() if spec.integration]
INTEGRATIONS = {spec.integration: name for name, spec in WHEELS.items() if spec.integration}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject(project: str) -> dict[str, Any]:
    with (ROOT / "packages" / project / "pyproject.toml").open("rb") as file:
        project_table: dict[str, Any] = tomllib.load(file)["project"]
    return project_table


def _find_uv() -> str:
    """uv as scripts/dev.py finds it: on PATH, else the copy it installed into .tools/."""
    uv = shutil.which("uv")
    if uv is None and (ROOT / ".tools" / "bin" / "uv").exists():
        uv = str(ROOT / ".tools" / "bin" / "uv")
    assert uv, "uv is neither on PATH nor in .tools/bin (python3 scripts/dev.py installs it)"
    return uv


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    # the machine's interpreter, not the project's venv (which is where pytest runs)
    env["UV_PYTHON"] = getattr(sys, "_base_executable", sys.executable)
    env.pop("PYTHONPATH", None)
    return env


def _run(*command: str | Path, cwd: Path = ROOT, timeout: float = 300) -> str:
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    shown = " ".join(str(part) for part in command)
    assert completed.returncode == 0, f"{shown}\n{completed.stdout}{completed.stderr}"
    return completed.stdout


def _dist_folders() -> set[Path]:
    return {path for path in (ROOT / "dist", *ROOT.glob("packages/*/dist")) if path.exists()}


@pytest.fixture(scope="module")
def uv() -> str:
    return _find_uv()


@pytest.fixture(scope="module")
def built(uv: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`uv build --all-packages` into a temporary folder: the wheel of each package."""
    out = tmp_path_factory.mktemp("dist")
    before = _dist_folders()
    _run(uv, "build", "--all-packages", "--out-dir", out)
    assert _dist_folders() == before, "uv build --out-dir wrote a dist/ folder into the repository"
    wheels: dict[str, Path] = {}
    for project in WHEELS:
        stem = f"{project.replace('-', '_')}-{_pyproject(project)['version']}"
        assert (out / f"{stem}.tar.gz").is_file(), f"no sdist for {project}: {os.listdir(out)}"
        wheels[project] = out / f"{stem}-py3-none-any.whl"
        assert wheels[project].is_file(), f"no wheel for {project}: {os.listdir(out)}"
    built = [path for path in out.iterdir() if path.name.endswith((".whl", ".tar.gz"))]
    assert len(built) == 2 * len(WHEELS), sorted(os.listdir(out))
    return wheels


def _venv(uv: str, where: Path, *requirements: str | Path) -> Path:
    """A fresh virtual environment at `where` with `requirements` installed: its python."""
    _run(uv, "venv", "--quiet", where)
    python = where / "bin" / "python"
    if requirements:
        _run(uv, "pip", "install", "--quiet", "--python", python, *requirements)
    return python


_PROBE = """
import importlib, importlib.metadata as metadata, json, sys

imports = {}
for module in sys.argv[1:]:
    try:
        imported = importlib.import_module(module)
    except ImportError as error:
        imports[module] = {"error": type(error).__name__, "message": str(error)}
    else:
        imports[module] = {"file": imported.__file__}
print(json.dumps({
    "prefix": sys.prefix,
    "distributions": sorted(d.metadata["Name"] for d in metadata.distributions()),
    "pytest11": {e.name: e.value for e in metadata.entry_points(group="pytest11")},
    "imports": imports,
}))
"""


def _probe(python: Path, *modules: str) -> dict[str, Any]:
    # -I: no PYTHONPATH, no user site-packages, no working directory on sys.path, so only
    # what was installed into the environment can be imported
    output = _run(python, "-I", "-c", _PROBE, *modules, cwd=python.parent)
    probed: dict[str, Any] = json.loads(output)
    return probed


def _check_imported(python: Path, imports: dict[str, dict[str, str]], *modules: str) -> None:
    venv = python.parent.parent.resolve()
    for module in modules:
        assert "file" in imports[module], f"import {module} failed: {imports[module]}"
        where = Path(imports[module]["file"]).resolve()
        assert where.is_relative_to(venv), f"{module} came from {where}, not from {venv}"


def _check_missing_wheel(imports: dict[str, dict[str, str]], integration: str) -> None:
    module, wheel = f"injectq.integrations.{integration}", INTEGRATIONS[integration]
    result = imports[module]
    assert result.get("error") == "ImportError", f"{module} without {wheel}: {result}"
    assert result["message"] == (
        f"{module} needs the {wheel} wheel, which is not installed: "
        f"pip install {wheel} (or: uv add {wheel})"
    )


@pytest.mark.parametrize("project", list(WHEELS))
def test_wheel_metadata_and_files(built: dict[str, Path], project: str) -> None:
    spec, pyproject = WHEELS[project], _pyproject(project)
    version = str(pyproject["version"])
    with zipfile.ZipFile(built[project]) as wheel:
        names = wheel.namelist()
        info = f"{project.replace('-', '_')}-{version}.dist-info"
        metadata = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = (
            wheel.read(f"{info}/entry_points.txt").decode()
            if f"{info}/entry_points.txt" in names
            else ""
        )

    assert metadata["Name"] == project
    assert metadata["Version"] == version
    assert metadata["Requires-Python"] == pyproject["requires-python"]

    # Requires-Dist: exactly the expected names, with the specifiers pyproject.toml gives
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]
    plain = [requirement for requirement in requirements if requirement.marker is None]
    assert {_normalize(r.name) for r in plain} == spec.requires
    declared = {str(Requirement(line)) for line in pyproject["dependencies"]}
    assert {str(r) for r in plain} == declared
    assert sorted(metadata.get_all("Provides-Extra") or []) == sorted(spec.extras)
    for extra, expected in spec.extras.items():
        chosen = {
            _normalize(r.name)
            for r in requirements
            if r.marker is not None and r.marker.evaluate({"extra": extra})
        }
        assert chosen == expected, f"[{extra}] extra"
    assert len(requirements) == len(plain) + sum(map(len, spec.extras.values()))
    if project != CORE:  # an adapter accepts the core wheel built next to it
        (core,) = [r for r in plain if _normalize(r.name) == CORE]
        assert Version(str(_pyproject(CORE)["version"])) in core.specifier

    # the files: the import package with its py.typed marker, nothing else, no bytecode
    assert f"{spec.module}/py.typed" in names
    assert f"{spec.module}/__init__.py" in names
    strays = [name for name in names if not name.startswith((f"{spec.module}/", f"{info}/"))]
    assert strays == []
    assert [name for name in names if "__pycache__" in name or name.endswith(".pyc")] == []
    # the MIT license the metadata declares, as a file of the wheel
    assert metadata["License-Expression"] == "MIT"
    assert f"{info}/licenses/LICENSE" in names

    # the pytest plugin is registered by the core wheel, and only by it
    registered = re.findall(r"^\[pytest11\]\n(.*?)(?:\n\[|\Z)", entry_points, re.M | re.S)
    if project == CORE:
        assert [line.strip() for line in registered[0].strip().splitlines()] == [
            "injectq = injectq.pytest_plugin"
        ]
    else:
        assert registered == []


def test_core_wheel_alone_imports_and_names_each_missing_adapter_wheel(
    uv: str, built: dict[str, Path], tmp_path: Path
) -> None:
    python = _venv(uv, tmp_path / "venv", built[CORE])
    integrations = [f"injectq.integrations.{name}" for name in INTEGRATIONS]
    probed = _probe(python, "injectq", "injectq.integrations", *integrations)

    assert [_normalize(name) for name in probed["distributions"]] == [CORE]
    assert probed["pytest11"] == {"injectq": "injectq.pytest_plugin"}
    imports: dict[str, dict[str, str]] = probed["imports"]
    _check_imported(python, imports, "injectq", "injectq.integrations")
    for integration in INTEGRATIONS:
        _check_missing_wheel(imports, integration)
    assert "usage" in _run(python, "-I", "-m", "injectq", "--help", cwd=tmp_path)

    # with pytest installed next to it, the plugin's fixtures are there without any set-up
    _run(uv, "pip", "install", "--quiet", "--python", python, "pytest")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_plugin.py").write_text(
        "from injectq import InjectQ\n\n\n"
        "class Mailer:\n"
        "    pass\n\n\n"
        "def test_fixtures(injectq_container, injectq_override):\n"
        "    assert isinstance(injectq_container, InjectQ)\n"
        "    fake = injectq_override(Mailer, Mailer())\n"
        "    assert injectq_container.get(Mailer) is fake\n"
    )
    output = _run(python, "-I", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert "1 passed" in output


@pytest.mark.parametrize("project", ADAPTERS)
def test_adapter_wheel_installs_with_core_alone_and_pulls_no_other_framework(
    uv: str, built: dict[str, Path], tmp_path: Path, project: str
) -> None:
    spec = WHEELS[project]
    assert spec.integration
    python = _venv(uv, tmp_path / "venv", built[CORE], built[project])
    integrations = [f"injectq.integrations.{name}" for name in INTEGRATIONS]
    probed = _probe(python, "injectq", spec.module, *integrations)

    installed = {_normalize(name) for name in probed["distributions"]}
    assert {CORE, project} | spec.requires <= installed
    assert installed & spec.forbidden == set(), f"{project} pulled in other frameworks"
    imports: dict[str, dict[str, str]] = probed["imports"]
    _check_imported(
        python, imports, "injectq", spec.module, f"injectq.integrations.{spec.integration}"
    )
    for integration in INTEGRATIONS:
        if integration != spec.integration:
            _check_missing_wheel(imports, integration)
