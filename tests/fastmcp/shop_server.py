"""Run the shop (shop.py) over a real transport, for test_transports.py.

    python -m tests.fastmcp.shop_server stdio JOURNAL_FILE
    python -m tests.fastmcp.shop_server http JOURNAL_FILE PORT

The journal file gets one JSON list per event, so a test can read what happened after the
server has stopped (the singletons' finalizers run last).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests._journal import Journal

from .shop import build


def main(arguments: list[str]) -> None:
    transport, journal = arguments[0], Path(arguments[1])
    mcp, _, _ = build(Journal(journal))
    if transport == "stdio":
        mcp.run(transport="stdio", show_banner=False, log_level="WARNING")
    else:
        port = int(arguments[2])
        mcp.run(
            transport="http", host="127.0.0.1", port=port, show_banner=False, log_level="WARNING"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
