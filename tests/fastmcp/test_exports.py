"""`injectq.integrations.fastmcp` re-exports exactly the adapter wheel's public names."""

from __future__ import annotations

import injectq.integrations.fastmcp as reexport
import injectq_fastmcp


def test_the_reexport_module_offers_every_public_name_of_the_wheel() -> None:
    assert sorted(reexport.__all__) == sorted(injectq_fastmcp.__all__)
    for name in injectq_fastmcp.__all__:
        assert getattr(reexport, name) is getattr(injectq_fastmcp, name)
