"""Thin re-exports of the adapter wheels: `injectq.integrations.taskiq` and friends.

Each module re-exports its adapter's public names, or, when that wheel is not installed,
raises an ImportError that names the wheel to install. The core never imports an adapter.
"""
