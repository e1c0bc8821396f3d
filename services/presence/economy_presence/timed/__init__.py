"""Time-based earning (sprint 2): streaks, dwell milestones, bridge, rain, welcome back."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..service import PresenceService
    from ..sessions import Arrival, Session

# Migration 2 of the presence database belongs to this package.
MIGRATION: list[str] = []


class TimedRewards:
    """Hooks the presence service calls; each one is a no-op until its rule is built."""

    def __init__(self, service: PresenceService) -> None:
        self.service = service

    async def setup(self) -> None:
        """Load state, register PM commands (``rain``)."""

    async def start(self) -> None:
        """Start schedules (rain)."""

    async def on_minutes(self, channel: str, present: dict[str, Session], at: datetime) -> None:
        """After every tick: dwell milestones, streaks and the bridge on threshold crossings."""

    async def on_arrival(self, channel: str, arrival: Arrival) -> None:
        """After the welcome wallet on a genuine arrival: welcome back."""

    async def streak_days(self, channel: str, key: str) -> int:
        return 0
