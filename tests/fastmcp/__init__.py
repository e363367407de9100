"""Tests of the FastMCP adapter (a package, so that the folder never shadows `fastmcp`)."""
