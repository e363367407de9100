"""A fresh shop server (see shop.py) per test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastmcp import FastMCP

from injectq import InjectQ

from .shop import Journal, build


@dataclass
class Shop:
    mcp: FastMCP[Any]
    container: InjectQ
    journal: Journal


@pytest.fixture
def shop() -> Shop:
    return Shop(*build())
