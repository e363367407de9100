"""`injectq.utils.logging`: injectq 0.5.0's `logger`, as a face of this project's own.

It is the `"injectq"` logger that InjectQ itself logs to (failed finalizers, lifespans). As a
library's logger should, it has only a NullHandler: configure it (`logger.setLevel`,
`logger.addHandler`) or the root logger to see its records.
"""

import logging

__all__ = ["logger"]

logger = logging.getLogger("injectq")
if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
    logger.addHandler(logging.NullHandler())
