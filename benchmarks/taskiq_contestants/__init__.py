"""The contestants of the taskiq suite, in table order.

Each module here defines ``build(broker) -> TaskiqCase | NotAvailable``: it sets the given
``InMemoryBroker`` up the way its library's documentation does (middleware, startup events)
and registers one task on it. The task takes ``x: int``, receives a scoped ``Session`` twice
and the ``AppState`` singleton once, and returns ``_taskiq_model.task_body(...)``. The suite
sends, runs and collects the tasks in the same way for everyone; see ``_taskiq_harness``.
"""

from _suite import Contestant

FLOOR = "no injection"
"""The name of the contestant every other one is compared with."""

TASKIQ_CONTESTANTS: tuple[Contestant, ...] = (
    Contestant("floor", FLOOR, None, is_peer=False),
    Contestant("injectq_", "injectq", "injectq-taskiq", is_peer=False),
    Contestant("taskiq_depends", "taskiq-depends", "taskiq", is_peer=True),
    Contestant("dishka_", "dishka", "dishka", is_peer=True),
)
