"""`injectq.diagnostics`: injectq 0.5.0's diagnostics API, as faces of this project's own
`container.validate()`, `container.graph()` and resolution.

`DependencyValidator` lists what `validate()` finds, `DependencyVisualizer` draws the graph
`graph()` draws in injectq 0.5.0's formats, and `DependencyProfiler` times resolutions.
"""

from .profiling import DependencyProfiler
from .validation import DependencyValidator
from .visualization import DependencyVisualizer

__all__ = ["DependencyProfiler", "DependencyValidator", "DependencyVisualizer"]
