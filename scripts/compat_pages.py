#!/usr/bin/env python3
"""Run the Python code blocks of documentation pages, in page order, one namespace per page.

    python3 scripts/compat_pages.py PAGE.md [PAGE.md ...]

Prints one JSON object: for each page, the outcome of each block ("ok", or the exception's
type and message). Which `injectq` runs them is whatever this interpreter imports (the compat
script runs this once with injectq 0.5.0's sdist on PYTHONPATH, once with this project).

A block with a top-level `await` runs as a coroutine on a new event loop; a block that takes
longer than `BLOCK_SECONDS` (a server started in the foreground) counts as failed.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import json
import re
import signal
import sys
import types
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType

BLOCK_SECONDS = 10
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


class BlockTimeoutError(Exception):
    pass


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise BlockTimeoutError(f"still running after {BLOCK_SECONDS} s")


def run_block(source: str, name: str, namespace: dict[str, object]) -> str:
    try:
        code = compile(source, name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    signal.alarm(BLOCK_SECONDS)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = eval(code, namespace)  # running documentation is the point
            if inspect.iscoroutine(result):
                asyncio.run(result)
    except BaseException as error:  # every outcome is reported, even SystemExit
        message = str(error).splitlines()[0][:160] if str(error) else ""
        return f"{type(error).__name__}: {message}"
    finally:
        signal.alarm(0)
    return "ok"


def run_page(path: Path) -> list[str]:
    # a real module, as a script's would be: frameworks look functions' modules up
    module = types.ModuleType(f"page_{path.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module
    namespace: dict[str, object] = module.__dict__
    blocks = FENCE.findall(path.read_text())
    return [run_block(block, f"{path.name}#{n}", namespace) for n, block in enumerate(blocks, 1)]


def main(pages: list[str]) -> int:
    signal.signal(signal.SIGALRM, on_alarm)
    results = {page: run_page(Path(page)) for page in pages}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
