"""Fixtures of the announcer tests: a config, a fake clock and a running service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from announcer_kit import Running, announcer_config, start_announcer

from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


@pytest.fixture
def ann_config(tmp_path: Path) -> EconomyConfig:
    return announcer_config(tmp_path)


@pytest.fixture
async def running(ann_config: EconomyConfig, fake_clock: FakeClock) -> AsyncIterator[Running]:
    r = await start_announcer(ann_config, fake_clock)
    yield r
    await r.host.stop()

