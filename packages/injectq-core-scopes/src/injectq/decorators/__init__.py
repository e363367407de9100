"""`injectq.decorators`: the import paths injectq 0.5.0 had for its decorators.

The names are imported from the submodules, so that importing a submodule later
(`from injectq.decorators.inject import inject`) finds it loaded and leaves the package's
attribute `inject` the function, not the module of the same name.
"""

from .inject import Inject, inject
from .resource import async_managed_resource, get_resource_manager, managed_resource, resource
from .singleton import register_as, scoped, singleton, transient

__all__ = [
    "Inject",
    "async_managed_resource",
    "get_resource_manager",
    "inject",
    "managed_resource",
    "register_as",
    "resource",
    "scoped",
    "singleton",
    "transient",
]
