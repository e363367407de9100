"""Other CPythons for the test command: found on this machine, or built once into `.tools/`.

    python3 scripts/dev.py test --python 3.13    # the whole test command on CPython 3.13
    python3 scripts/dev.py test --python 3.13t   # free-threaded 3.13: core and stress tests

An interpreter is looked for in `.tools/python/<name>/` (a build of ours), on PATH, then among
pyenv's versions; it must be that version and build (free-threaded or not) and have the
modules the tests need. When none is found it is built from Debian's source package of
python3.13 (Debian 13, "trixie"): a `deb-src` entry for it is added beside the machine's own
sources, with the same mirror; `apt-get source --download-only` fetches the source; CPython's
own tarball in it is configured with `--without-ensurepip` (and `--disable-gil` for 3.13t),
built and installed under `.tools/python/<name>/`. apt installs the build dependencies. The
build takes a few minutes, once; its log is `.tools/python/<name>.log`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"

#: what the tests import from the standard library that a build may lack
NEEDED_MODULES = ("ssl", "zlib", "ctypes", "sqlite3", "bz2", "lzma", "_uuid", "readline")

#: Debian's packages that let CPython's configure find those modules' libraries
BUILD_DEPENDENCIES = (
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "zlib1g-dev",
    "libbz2-dev",
    "liblzma-dev",
    "libsqlite3-dev",
    "libffi-dev",
    "uuid-dev",
    "libreadline-dev",
    "libncurses-dev",
    "libgdbm-dev",
    "libexpat1-dev",
)

#: the Debian release whose source package carries CPython 3.13
SOURCE_SUITE = "trixie"
SOURCE_LIST = Path("/etc/apt/sources.list.d/injectq-debian13-src.sources")


@dataclass(frozen=True)
class Wanted:
    name: str  # "3.13" or "3.13t"
    minor: str  # "3.13"
    free_threaded: bool

    @property
    def executable(self) -> str:
        return f"python{self.minor}{'t' if self.free_threaded else ''}"


SUPPORTED = {
    "3.13": Wanted("3.13", "3.13", free_threaded=False),
    "3.13t": Wanted("3.13t", "3.13", free_threaded=True),
}


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def interpreter(name: str) -> Path:
    """The interpreter for `name`, found or built."""
    wanted = SUPPORTED.get(name)
    if wanted is None:
        raise SystemExit(f"--python takes one of {', '.join(SUPPORTED)}, not {name!r}")
    for candidate in candidates(wanted):
        if usable(candidate, wanted):
            say(f"CPython {name}: {candidate}")
            return candidate
    say(f"CPython {name} is not on this machine: building it from Debian's source package")
    return build(wanted)


def candidates(wanted: Wanted) -> list[Path]:
    found = [TOOLS / "python" / wanted.name / "bin" / wanted.executable]
    on_path = shutil.which(wanted.executable)
    if on_path:
        found.append(Path(on_path))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found.extend(
        version / "bin" / wanted.executable
        for version in sorted(pyenv.glob(f"versions/{wanted.minor}.*"), reverse=True)
    )
    return found


def usable(executable: Path, wanted: Wanted) -> bool:
    """`executable` is that version and build, with the modules the tests import."""
    if not executable.exists():
        return False
    check = (
        "import sys, sysconfig\n"
        f"assert sys.version_info[:2] == {tuple(int(p) for p in wanted.minor.split('.'))}\n"
        "assert bool(sysconfig.get_config_var('Py_GIL_DISABLED')) is "
        f"{wanted.free_threaded}\n"
        f"for name in {NEEDED_MODULES!r}: __import__(name)\n"
    )
    try:
        completed = subprocess.run(
            [str(executable), "-c", check], capture_output=True, timeout=60, check=False
        )
    except OSError:
        return False
    return completed.returncode == 0


def build(wanted: Wanted) -> Path:
    apt = AptAsRoot()
    add_source_entry(apt)
    apt.run(["update"])
    apt.run(["install", "-y", "--no-install-recommends", *BUILD_DEPENDENCIES])
    source = cpython_source(apt)
    prefix = TOOLS / "python" / wanted.name
    work = TOOLS / "build" / wanted.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = TOOLS / "python" / f"{wanted.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    configure = [
        str(source / "configure"),
        f"--prefix={prefix}",
        "--without-ensurepip",
        *(["--disable-gil"] if wanted.free_threaded else []),
    ]
    jobs = str(os.cpu_count() or 1)
    with log.open("w") as output:
        for step, command in (
            ("configure", configure),
            ("make", ["make", f"-j{jobs}"]),
            ("make install", ["make", "install"]),
        ):
            with progress(f"CPython {wanted.name}: {step} (log: {log.relative_to(ROOT)})", log):
                completed = subprocess.run(
                    command, cwd=work, stdout=output, stderr=subprocess.STDOUT, check=False
                )
            if completed.returncode != 0:
                raise SystemExit(f"building CPython {wanted.name} failed at {step}: see {log}")
    shutil.rmtree(work, ignore_errors=True)
    built = prefix / "bin" / wanted.executable
    if not usable(built, wanted):
        raise SystemExit(
            f"the CPython {wanted.name} built at {built} lacks a module the tests need "
            f"({', '.join(NEEDED_MODULES)}): see {log} for what configure did not find"
        )
    say(f"CPython {wanted.name} built: {built}")
    return built


@contextmanager
def progress(message: str, log: Path) -> Iterator[None]:
    """Say what runs, then every 30 s how long it has run and the log's last line."""
    say(message)
    started = time.monotonic()
    done = threading.Event()

    def report() -> None:
        while not done.wait(30):
            lines = log.read_text(errors="replace").splitlines()
            last = lines[-1][:100] if lines else ""
            say(f"  ... {time.monotonic() - started:.0f} s: {last}")

    threading.Thread(target=report, daemon=True).start()
    try:
        yield
    finally:
        done.set()
        say(f"{message.split(' (')[0]}: done in {time.monotonic() - started:.0f} s")


def cpython_source(apt: AptAsRoot) -> Path:
    """CPython's own source tree, from the tarball in Debian 13's python3.13 source package
    (Debian's patches are left out: they adapt CPython to Debian's own layout)."""
    sources = TOOLS / "src"
    existing = sorted(sources.glob("Python-3.13.*/configure"))
    if existing:
        return existing[-1].parent
    sources.mkdir(parents=True, exist_ok=True)
    if not list(sources.glob("python3.13_3.13.*.dsc")):
        say("fetching Debian 13's python3.13 source package (apt-get source --download-only)")
        apt.run(["source", "--download-only", f"python3.13/{SOURCE_SUITE}"], cwd=sources)
    (tarball,) = (
        path for path in sources.glob("python3.13_3.13.*.orig.tar.*") if path.suffix != ".asc"
    )
    with tarfile.open(tarball) as archive:
        archive.extractall(sources, filter="data")
    (tree,) = sorted(sources.glob("Python-3.13.*/configure"))
    return tree.parent


def add_source_entry(apt: AptAsRoot) -> None:
    """A deb-src entry for Debian 13 on the mirror the machine's own sources use."""
    if SOURCE_LIST.exists():
        return
    mirror = machine_mirror()
    entry = (
        "# added by InjectQ's scripts/pythons.py: Debian 13's sources, to build CPython 3.13\n"
        "Types: deb-src\n"
        f"URIs: {mirror}\n"
        f"Suites: {SOURCE_SUITE}\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    say(f"adding {SOURCE_LIST} (deb-src {SOURCE_SUITE} on {mirror})")
    apt.write(SOURCE_LIST, entry)


def machine_mirror() -> str:
    """The Debian mirror the machine's configured sources use."""
    texts = [path.read_text() for path in Path("/etc/apt").glob("sources.list.d/*.sources")]
    listing = Path("/etc/apt/sources.list")
    if listing.exists():
        texts.append(listing.read_text())
    for text in texts:
        for uri in re.findall(r"(?m)^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text):
            if uri.rstrip("/").endswith("/debian"):
                return uri
    raise SystemExit("no Debian mirror in /etc/apt's sources: cannot fetch CPython's source")


class AptAsRoot:
    """apt-get as root, or through passwordless sudo; fails clearly otherwise."""

    def __init__(self) -> None:
        self.prefix: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            sudo = shutil.which("sudo")
            if sudo is None:
                raise SystemExit("building CPython needs apt-get as root (or passwordless sudo)")
            self.prefix = [sudo, "-n"]

    def run(self, arguments: list[str], cwd: Path | None = None) -> None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        say(f"apt-get {' '.join(arguments)}")
        completed = subprocess.run(
            [*self.prefix, "apt-get", *arguments], cwd=cwd, env=env, check=False
        )
        if completed.returncode != 0:
            raise SystemExit(f"apt-get {arguments[0]} failed ({completed.returncode})")

    def write(self, path: Path, text: str) -> None:
        subprocess.run(
            [*self.prefix, "tee", str(path)],
            input=text.encode(),
            check=True,
            stdout=subprocess.DEVNULL,
        )


if __name__ == "__main__":
    print(interpreter(sys.argv[1]))
