"""One resolve pass: re-send unconfirmed money steps, expire challenges, resolve heists past their window.

The service runs a pass at start-up (everything in flight when it stopped counts as stale) and then
every ``poll_seconds``. Every step it re-sends uses the key and body it was first sent with.
"""

from __future__ import annotations

from economy_shared.clock import Clock, to_ms

from .duels import Duels
from .heists import Heists
from .quick import QuickGames

# A money step not confirmed after this long is re-sent (its key makes that safe).
STALE_SECONDS = 15.0


class Recovery:
    def __init__(self, *, quick: QuickGames, duels: Duels, heists: Heists, clock: Clock) -> None:
        self._quick = quick
        self._duels = duels
        self._heists = heists
        self._clock = clock

    async def resolve_due(self, stale_before_ms: int | None = None) -> int:
        """One pass; returns how many games it finished."""
        now_ms = to_ms(self._clock.now())
        before = stale_before_ms if stale_before_ms is not None else now_ms - int(STALE_SECONDS * 1000)
        done = await self._quick.finish_stale(before)
        done += await self._duels.recover(before)
        done += await self._heists.recover(before)
        done += await self._duels.expire_due()
        done += await self._heists.resolve_due()
        return done
