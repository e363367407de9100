"""Every page in docs/ is in the site's navigation (mkdocs.yml), and every nav entry exists.

mkdocs only warns about a page left out of `nav` (strict mode turns that into a failure of
the build in `scripts/dev.py test`); this test names the page directly, without a build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _Loader(yaml.SafeLoader):
    """A safe loader that accepts mkdocs.yml's `!!python/name:` and `!ENV` tags as plain data."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    del suffix
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _any_tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)


def _config() -> dict[str, Any]:
    with (ROOT / "mkdocs.yml").open() as file:
        config: dict[str, Any] = yaml.load(file, Loader=_Loader)
    return config


def _nav_pages(entry: Any) -> list[str]:
    """The page paths in a nav entry: a path, a {title: entry} mapping or a list of entries."""
    if isinstance(entry, str):
        return [] if "://" in entry else [entry]
    if isinstance(entry, list):
        return [page for item in entry for page in _nav_pages(item)]
    if isinstance(entry, dict):
        return [page for item in entry.values() for page in _nav_pages(item)]
    raise AssertionError(f"unexpected nav entry in mkdocs.yml: {entry!r}")


def test_every_docs_page_is_in_the_nav_and_every_nav_page_exists() -> None:
    config = _config()
    docs = ROOT / config.get("docs_dir", "docs")
    in_nav = _nav_pages(config["nav"])
    pages = {page.relative_to(docs).as_posix() for page in docs.rglob("*.md")}
    missing = sorted(pages - set(in_nav))
    assert not missing, f"pages in docs/ missing from mkdocs.yml's nav: {missing}"
    absent = sorted(set(in_nav) - pages)
    assert not absent, f"mkdocs.yml's nav names pages that do not exist: {absent}"
    repeated = sorted({page for page in in_nav if in_nav.count(page) > 1})
    assert not repeated, f"pages listed twice in mkdocs.yml's nav: {repeated}"


def test_the_api_reference_covers_every_package() -> None:
    reference = ROOT / "docs" / "reference"
    documented = {
        line.removeprefix(":::").split()[0]
        for page in reference.glob("*.md")
        for line in page.read_text().splitlines()
        if line.startswith(":::")
    }
    packages = {
        module.name
        for module in (ROOT / "packages").glob("*/src/*")
        if (module / "__init__.py").exists()
    }
    assert documented == packages
