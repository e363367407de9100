"""The shop demo: one codebase served as a FastAPI API, taskiq tasks and a FastMCP server.

`python3 scripts/dev.py demo` runs `examples/shop/demo.py`, which starts all of it in one
process and checks what each unit of work received. See docs/guides/api-and-workers.md.
"""
