"""Pays owed earnings in the background, so a wave of bonuses (everyone present crossing 15 minutes
at 00:15 UTC) never slows the tick. One ``credit`` per fact, with its own idempotency key.

Paid, already paid (replay) and refused (banned) rows are deleted; a row the ledger could not
take (down, timeout) stays and is retried with back-off under the same key, so it is paid once.
The PM and any announcement go out only when this attempt is the one that paid.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from economy_shared.clock import to_ms
from economy_shared.ledger_outcome import LedgerOutcome

from ..credit import credit_outcome
from .store import OwedRow, TimedStore

if TYPE_CHECKING:
    from ..service import PresenceService

BATCH = 50  # rows paid concurrently
MAX_BACKOFF_MS = 3_600_000


def backoff_ms(attempts: int) -> int:
    return min(MAX_BACKOFF_MS, 30_000 * 2**min(attempts, 10))


class Payer:
    def __init__(self, service: PresenceService, store: TimedStore) -> None:
        self.service = service
        self.store = store
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Make sure a drain runs soon (one at a time; a kick during a drain makes it go round again)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self.service.spawn(self._run(), name="timed-payout")

    async def _run(self) -> None:
        while True:
            self._again = False
            await self.drain()
            if not self._again:
                return

    async def drain(self) -> None:
        now_ms = to_ms(self.service.clock.now())
        while True:
            rows = await self.store.owed_due(now_ms, BATCH)
            if not rows:
                return
            outcomes = await asyncio.gather(*(self._pay(r) for r in rows))
            done = [r.id for r, o in zip(rows, outcomes, strict=True) if o.answered]
            retry = [
                (r.id, now_ms + backoff_ms(r.attempts))
                for r, o in zip(rows, outcomes, strict=True)
                if not o.answered
            ]
            await self.store.owed_settled(done, retry)
            if retry and not done:
                self.service.log.warning("timed_payout_deferred", rows=len(retry))
                return  # the ledger is not answering; a later tick tries again

    async def _pay(self, row: OwedRow) -> LedgerOutcome:
        o = row.owed
        try:
            outcome = await credit_outcome(self.service, row.channel, o.key, o.user, o.amount, o.trigger_id, o.reason)
        except Exception:
            self.service.log.exception("timed_payout_failed", key=o.key)
            return LedgerOutcome.unavailable()
        if outcome.applied:
            await self._tell(row)
        return outcome

    async def _tell(self, row: OwedRow) -> None:
        o, voice = row.owed, self.service.voice
        try:
            if o.notice:
                await voice.notify(row.channel, o.user, o.notice)
            if o.announce is not None:
                await voice.announce(row.channel, o.announce.template, **o.announce.context)
        except Exception:
            self.service.log.exception("timed_notice_failed", key=o.key)
