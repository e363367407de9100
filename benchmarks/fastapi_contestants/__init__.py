"""The contestants of the FastAPI suite, in table order.

Each module here defines ``build() -> FastapiCase | NotAvailable``: a FastAPI app set up the
way its library's documentation does (middleware, lifespan, route wrappers), with one async
endpoint ``GET /items/{item_id}`` that is given a request-scoped ``Session`` and the
``Settings`` singleton and returns ``_unit_model.item_payload(...)``. The suite sends the
requests and runs the app's lifespan in the same way for everyone; see ``_fastapi_harness``.
"""

from _suite import Contestant

FLOOR = "no injection"
"""The name of the contestant every other one is compared with."""

FASTAPI_CONTESTANTS: tuple[Contestant, ...] = (
    Contestant("floor", FLOOR, None, is_peer=False),
    Contestant("injectq_", "injectq", "injectq-fastapi", is_peer=False),
    Contestant("fastapi_depends", "fastapi-depends", "fastapi", is_peer=True),
    Contestant("dishka_", "dishka", "dishka", is_peer=True),
    Contestant("wireup_", "wireup", "wireup", is_peer=True),
)
