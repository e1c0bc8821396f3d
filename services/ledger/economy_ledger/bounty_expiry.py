"""The hourly bounty expiry: on the wall clock, with a catch-up run at start (not "sleep an hour first",
sprint7 §1.5). Each due bounty expires in its own transaction (bounties.py); a bounty claimed or
cancelled meanwhile is left alone (exactly one transition wins)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.schedule import PeriodicJob

from .bounties import Bounties, BountyDone


class BountyExpiry(PeriodicJob):
    name = "bounty-expiry"

    def __init__(self, bounties: Bounties, config: Callable[[], EconomyConfig], clock: Clock,
                 poll_seconds: float = 3600.0, sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        super().__init__(clock, poll_seconds, sleep)
        self._bounties = bounties
        self._config = config

    async def run_due(self) -> list[BountyDone]:
        out: list[BountyDone] = []
        for channel in self._config().channel_names():
            out += await self._bounties.expire_due(channel)
            await self._bounties.refresh_metrics(channel)
        return out
