"""Shared fixtures: configs, fake clocks, and in-process services on an in-memory bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.testing import InMemoryBus
from tests.helpers import Stack, make_config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus()


@pytest.fixture
def config(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path)


@pytest.fixture
async def stack(bus: InMemoryBus, config: EconomyConfig, clock: FakeClock) -> AsyncIterator[Stack]:
    s = Stack(bus, config, clock)
    yield s
    await s.close()
