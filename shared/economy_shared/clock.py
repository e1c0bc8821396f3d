"""UTC time, injected everywhere so tests control it (DECISIONS 2)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...

    def real_seconds(self, seconds: float) -> float:
        """How long ``seconds`` of this clock's time last in real time (for timeouts on real waits)."""
        ...


class SystemClock:
    """The real wall clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def real_seconds(self, seconds: float) -> float:
        return seconds


class FakeClock:
    """A clock tests move by hand. `sleep` advances time instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        self._now = self._now + timedelta(seconds=seconds, **kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs timezone-aware datetimes")
        self._now = when

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)

    def real_seconds(self, seconds: float) -> float:
        return seconds


class ScaledClock:
    """Wall time that starts at ``start`` and runs ``speed`` times faster (demos, system tests).

    Selected with ``KRYTEN_ECONOMY_CLOCK=<ISO-8601 start>@<speed>[@<unix origin>]``; never used in
    production. A shared origin keeps several processes on the same scaled time.
    """

    def __init__(self, start: datetime, speed: float, origin: float | None = None) -> None:
        if start.tzinfo is None or speed <= 0:
            raise ValueError("ScaledClock needs an aware start and a positive speed")
        self._start = start
        self._speed = speed
        self._origin = time.time() if origin is None else origin

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._origin) * self._speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self._speed)

    def real_seconds(self, seconds: float) -> float:
        return seconds / self._speed

    @classmethod
    def from_spec(cls, spec: str) -> ScaledClock:
        parts = spec.split("@")
        when = datetime.fromisoformat(parts[0].replace("Z", "+00:00"))
        speed = float(parts[1]) if len(parts) > 1 and parts[1] else 1.0
        origin = float(parts[2]) if len(parts) > 2 and parts[2] else None
        return cls(when, speed, origin)


def to_ms(when: datetime) -> int:
    """Epoch milliseconds: the one storage format for instants."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def utc_day(when: datetime) -> date:
    return when.astimezone(UTC).date()


def day_str(when: datetime | date) -> str:
    d = when.astimezone(UTC).date() if isinstance(when, datetime) else when
    return d.isoformat()
