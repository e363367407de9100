"""`injectq.testing`: injectq 0.5.0's test helpers, as faces of this project's own.

`override_dependency` is `container.override`; `test_container()` is `InjectQ.test_mode()`;
`TestModule` is a `Module` of test values (doubles need not inherit from the key). They live
in `injectq.testing.utilities`, injectq 0.5.0's other path. The pytest plugin's fixtures
(`injectq_container`, `injectq_override`) are the project's own way.
"""

from .utilities import (
    MockFactory,
    TestModule,
    create_test_module,
    mock_factory,
    override_dependency,
    pytest_container_fixture,
    test_container,
)

__all__ = [
    "MockFactory",
    "TestModule",
    "create_test_module",
    "mock_factory",
    "override_dependency",
    "pytest_container_fixture",
    "test_container",
]
