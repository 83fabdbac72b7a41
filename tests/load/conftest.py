"""Load and fault tests: a real `doubletext serve` on a free loopback port with a temp --db."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench import server as servers


@pytest.fixture
def served() -> Iterator[servers.Server]:
    srv = servers.start_ours()
    try:
        yield srv
    finally:
        srv.stop()
