"""The conformance suite (issue 11): one table of behaviours, each proven in every runtime.

Every adapter maps its framework's unit of work onto the core's one lifecycle, so the policy
must be the same everywhere. Each behaviour below is one test function, parametrized over
the runtimes of `_runtimes.py` (`http`, `websocket`, `task-inmemory`, `task-receiver`,
`tool`), each unit of work driven through its framework's real entry and client.

| # | behaviour | module | runtimes |
|---|---|---|---|
| 1 | a scope per unit of work; 100 in flight never share one | `test_scopes` | all |
| 2 | finalizers see the exception raised, handled or not | `test_errors` | all |
| 3 | a failing finalizer is logged and changes nothing | `test_failing_finalizers` | all |
| 4 | an interrupted unit runs every finalizer, which see it | `test_interruptions` | all |
| 4 | likewise a unit that runs into its timeout | `test_interruptions` | tasks, tool |
| 4 | a sync unit that outlives its timeout is failed | `test_interruptions` | tasks, tool |
| 4 | a singleton whose creator is interrupted is taken over | `test_interruptions` | all |
| 5 | `Inject[T | None]`: None when unprovided | `test_injection` | all |
| 6 | every marker form resolves (4 forms) | `test_injection` | all |
| 7 | start-up validation names the unit; `validate=False` | `test_startup` | all |
| 8 | propagation to a task; refusal at `.kiq()` | `test_propagation` | senders, outside |

FastAPI and Starlette have no timeout for a request or a WebSocket session, so the timeout
rows skip `http` and `websocket`; the propagation row runs for the units of work that send
tasks (`http`, `websocket`, `tool`) and for code outside any unit of work.
"""
