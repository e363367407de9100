"""A fresh shop server (see shop.py) per test, recording into the test's `journal`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastmcp import FastMCP

from injectq import InjectQ
from tests._journal import Journal

from .shop import build


@dataclass
class Shop:
    mcp: FastMCP[Any]
    container: InjectQ
    journal: Journal


@pytest.fixture
def shop(journal: Journal) -> Shop:
    return Shop(*build(journal))
