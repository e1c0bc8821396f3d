"""Pays owed earnings in the background, so a wave of bonuses (everyone present crossing 15 minutes
at 00:15 UTC) never slows the tick. One credit per fact, with its own idempotency key.

An owed row *is* the kept request: its key and its fields rebuild the very same body every time
(``earning(user, amount, trigger_id, reason, metadata)``, one posting, ``on_banned="reject"``), so a row whose
answer was lost is re-sent as it was. Rows answered — paid now, paid before (replay), refused
(banned) or a key conflict — are deleted; an unanswered row stays and is retried with back-off.
The PM and any announcement go out only when this attempt is the one that paid.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from economy_shared.clock import Clock, to_ms
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.ledger import Posting
from economy_shared.voice import Voice

from ..credit import CreditPath, earning
from .owed import Owed
from .store import OwedRow, TimedStore

BATCH = 50  # rows paid concurrently
MAX_BACKOFF_MS = 3_600_000


def backoff_ms(attempts: int) -> int:
    return min(MAX_BACKOFF_MS, 30_000 * 2**min(attempts, 10))


def source_of(trigger_id: str) -> str:
    return trigger_id.split(".")[0] or "other"


def owed_posting(o: Owed) -> Posting:
    """The body of an owed row's request: the same for every attempt."""
    return earning(o.user, o.amount, o.trigger_id, o.reason, o.metadata)


class OwedPayer:
    def __init__(
        self,
        store: TimedStore,
        credits: CreditPath,
        voice: Voice,
        clock: Clock,
        spawn: Callable[..., asyncio.Task[Any]],
        log: Any,
    ) -> None:
        self.store = store
        self._credits = credits
        self._voice = voice
        self._clock = clock
        self._spawn = spawn
        self._log = log
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def kick(self) -> None:
        """Make sure a drain runs soon (one at a time; a kick during a drain makes it go round again)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = self._spawn(self._run(), name="timed-payout")

    async def _run(self) -> None:
        while True:
            self._again = False
            await self.drain()
            if not self._again:
                return

    async def drain(self) -> None:
        now_ms = to_ms(self._clock.now())
        while True:
            rows = await self.store.owed_due(now_ms, BATCH)
            if not rows:
                return
            outcomes = await asyncio.gather(*(self._pay(r) for r in rows))
            done = [r.id for r, o in zip(rows, outcomes, strict=True) if o.answered]
            retry = [
                (r.id, now_ms + backoff_ms(r.attempts)) for r, o in zip(rows, outcomes, strict=True) if not o.answered
            ]
            await self.store.owed_settled(done, retry)
            if retry and not done:
                self._log.warning("timed_payout_deferred", rows=len(retry))
                return  # the ledger is not answering; a later tick tries again

    async def _pay(self, row: OwedRow) -> LedgerOutcome:
        o = row.owed
        try:
            # keep=False: the owed row is this request's keeper (same key, same body on every attempt)
            outcome = await self._credits.credit(row.channel, o.key, owed_posting(o), source_of(o.trigger_id),
                                                 keep=False)
        except Exception as err:
            self._log.exception("timed_payout_failed", key=o.key)
            return LedgerOutcome.unavailable(repr(err))
        # An earlier attempt got no answer and the ledger now says "paid before": that attempt paid it,
        # and nobody was told yet.
        if outcome.applied or (outcome.moved and row.attempts > 0):
            await self._tell(row)
        return outcome

    async def _tell(self, row: OwedRow) -> None:
        o = row.owed
        try:
            if o.notice:
                await self._voice.notify(row.channel, o.user, o.notice)
            if o.announce is not None:
                await self._voice.announce(row.channel, o.announce.template, **o.announce.context)
        except Exception:
            self._log.exception("timed_notice_failed", key=o.key)
