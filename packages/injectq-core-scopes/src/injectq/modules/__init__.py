"""injectq 0.5.0's `injectq.modules`, as a face of this project's own Module and Binder.

`Module` and `provider` are `injectq.Module` and `injectq.provider`; `SimpleModule`,
`ConfigurationModule` and `ProviderModule` are small Modules that bind through the same Binder.
"""

from .base import ConfigurationModule, Module, ProviderModule, SimpleModule, provider

__all__ = ["ConfigurationModule", "Module", "ProviderModule", "SimpleModule", "provider"]
