"""Every ```python block in README.md and docs/ runs, page by page, and must not fail.

The blocks of one page run in order in one namespace (a throwaway module registered in
`sys.modules`, so `typing.get_type_hints` and dataclasses can find their globals), so a later
block builds on the names an earlier one defined. A block with top-level `await` or
`async with` runs in its own event loop. Tracebacks point at the Markdown file and line.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import sys
import traceback
import types
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest

from injectq import InjectQ

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = "python"
#: tags that are fine to leave unexecuted here (README's shell commands run in CI)
NOT_EXECUTED = frozenset({"text", "bash", "console", "toml", "mermaid"})

_FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_module_ids = count()


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language tag, its code and where it starts."""

    language: str
    code: str
    fence_line: int  # 1-based line of the opening fence
    first_line: int  # 1-based line of the first line of code


def markdown_pages() -> list[Path]:
    """README.md and every Markdown page under docs/, as paths relative to the root."""
    pages = [Path("README.md"), *sorted((ROOT / "docs").rglob("*.md"))]
    return [page if not page.is_absolute() else page.relative_to(ROOT) for page in pages]


def fenced_blocks(text: str, page: str) -> list[Block]:
    """The fenced code blocks of a Markdown text (``` or ~~~, possibly indented)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        indent = len(opening["indent"])
        fence = opening["fence"]
        info = opening["info"].strip()
        language = info.split()[0] if info else ""
        body: list[str] = []
        closed = False
        index += 1
        start = index
        while index < len(lines):
            line = lines[index]
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                closed = True
                break
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            index += 1
        if not closed:
            raise AssertionError(f"{page}:{start}: the code fence opened here is never closed")
        blocks.append(Block(language, "\n".join(body) + "\n", start, start + 1))
        index += 1
    return blocks


def page_blocks(page: Path) -> list[Block]:
    return fenced_blocks((ROOT / page).read_text(encoding="utf-8"), page.as_posix())


PAGES = markdown_pages()
PAGE_IDS = [page.as_posix() for page in PAGES]
#: the pages with code to run (the others, like the generated benchmark tables, have none)
CODE_PAGES = [page for page in PAGES if any(b.language == EXECUTED for b in page_blocks(page))]
CODE_PAGE_IDS = [page.as_posix() for page in CODE_PAGES]


def _run_block(block: Block, page: Path, namespace: dict[str, object]) -> None:
    # pad with blank lines so that line numbers in tracebacks are the Markdown file's
    source = "\n" * (block.first_line - 1) + block.code
    code = compile(
        source,
        str(ROOT / page),
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(code, namespace))  # top-level await: eval returns a coroutine
    else:
        exec(code, namespace)


def _from_page(error: BaseException, page: Path) -> types.TracebackType | None:
    """The traceback of `error` from the first frame in the page on (drops the runner's)."""
    filename = str(ROOT / page)
    frame = error.__traceback__
    while frame is not None and frame.tb_frame.f_code.co_filename != filename:
        frame = frame.tb_next
    return frame or error.__traceback__


@pytest.fixture(autouse=True)
def _fresh_default_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page that uses the process-wide container (bare `@inject`) gets a fresh one."""
    monkeypatch.setattr(InjectQ, "_default", None)


def test_the_readme_and_the_concept_pages_have_code_to_run() -> None:
    ids = set(CODE_PAGE_IDS)
    assert "README.md" in ids
    assert {"docs/getting-started.md", "docs/integrations/taskiq.md"} <= ids


@pytest.mark.parametrize("page", CODE_PAGES, ids=CODE_PAGE_IDS)
def test_python_blocks_of_the_page_run(page: Path) -> None:
    blocks = [block for block in page_blocks(page) if block.language == EXECUTED]
    stem = re.sub(r"\W", "_", page.stem)
    name = f"injectq_docs_{next(_module_ids)}_{stem}"
    module = types.ModuleType(name)
    module.__file__ = str(ROOT / page)
    namespace = module.__dict__
    sys.modules[name] = module
    try:
        for number, block in enumerate(blocks, start=1):
            try:
                _run_block(block, page, namespace)
            except BaseException as error:
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                details = "".join(
                    traceback.format_exception(type(error), error, _from_page(error, page))
                )
                pytest.fail(
                    f"{page.as_posix()}:{block.fence_line}: python block {number} of "
                    f"{len(blocks)} (fence at line {block.fence_line}) failed:\n{details}",
                    pytrace=False,
                )
    finally:
        del sys.modules[name]


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_code_block_has_a_known_language_tag(page: Path) -> None:
    allowed = {EXECUTED, *NOT_EXECUTED}
    wrong = [
        f"line {block.fence_line}: "
        + (f"```{block.language}" if block.language else "``` with no language tag")
        for block in page_blocks(page)
        if block.language not in allowed
    ]
    assert not wrong, (
        f"{page.as_posix()} has code blocks that would not be executed or are mistagged "
        f"(allowed: {', '.join(sorted(allowed))}):\n" + "\n".join(wrong)
    )


def test_the_fence_reader_finds_blocks_with_their_markdown_lines() -> None:
    text = "intro\n\n```python\nx = 1\n```\n\n  ~~~pyhton title\n  y = 2\n  ~~~\n````\n```\n````\n"

    blocks = fenced_blocks(text, "example.md")

    assert [(b.language, b.code, b.fence_line) for b in blocks] == [
        ("python", "x = 1\n", 3),
        ("pyhton", "y = 2\n", 7),
        ("", "```\n", 10),
    ]


def test_an_unclosed_fence_is_reported_with_its_line() -> None:
    with pytest.raises(AssertionError, match=r"example\.md:2: the code fence"):
        fenced_blocks("text\n```python\nx = 1\n", "example.md")
