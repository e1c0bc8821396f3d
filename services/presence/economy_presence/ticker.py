"""The presence tick use case: every present user earns, in a few batched ledger requests per channel.

One tick is one "presence minute" (``presence.tick_interval_seconds``; 60 in production). Scheduled
ticks are keyed by their wall-clock slot and each slot is ticked once. A manual tick (``presence.tick``,
operators and benchmarks) has its own persisted numbering (``m<n>``), so it never takes a scheduled
slot and never makes the schedule skip one.

A chunk the ledger did not answer is stored — key and exact body — in the same transaction as the
tick's carries and minutes, and re-sent as it is before the next tick (and at start-up) until the
ledger answers. The carries only ever hold sub-Z fractions, so nothing is paid under a second key.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from economy_shared.clock import day_str, to_ms
from economy_shared.config import EconomyConfig

from .credit import CreditPath, kept_request, paid_amount
from .eligibility import EarningGate
from .events.multipliers import NO_BOOST, Boost
from .idle import effective_afk
from .metrics import PresenceMetrics
from .sessions import Session, SessionBook
from .store import PresenceStore, TickRecord
from .tick import SOURCE, plan_minute, tick_items

AfterMinute = Callable[[str, dict[str, Session], datetime], Awaitable[None]]
BoostOf = Callable[[str, datetime, int], Boost]  # (channel, minute, earning users present) -> boost


@dataclass(frozen=True)
class TickReport:
    tick_id: str
    credited_users: int
    z_paid: int
    seconds: float
    unanswered: int  # requests kept to re-send


class Ticker:
    def __init__(
        self,
        books: Mapping[str, SessionBook],
        store: PresenceStore,
        credits: CreditPath,
        config: Callable[[], EconomyConfig],
        metrics: PresenceMetrics,
        flush_sessions: Callable[[str], Awaitable[None]],
        after_minute: AfterMinute,
        log: Any,
        *,
        boost: BoostOf | None = None,
        before_minute: Callable[[datetime], Awaitable[None]] | None = None,
        gate: EarningGate | None = None,
    ) -> None:
        self._books = books
        self._store = store
        self._credits = credits
        self._config = config
        self._metrics = metrics
        self._flush_sessions = flush_sessions
        self._after_minute = after_minute
        self._log = log
        self._boost = boost  # the channel's earning multipliers for this minute (events/boosts.py)
        self._before_minute = before_minute  # scheduled events start and end before the minute is paid
        self._gate = gate  # onboarding minimums (eligibility.py): users below them are not in the minute
        self.carries: dict[str, dict[str, int]] = {c: {} for c in books}
        self.last_slot = -1
        self._manual: dict[str, int] = dict.fromkeys(books, 0)
        self._lock = asyncio.Lock()  # one tick at a time: carries are read and written by one tick only

    async def load(self) -> None:
        """Carries, the last scheduled slot and the manual tick count, from the database."""
        for channel in self._books:
            self.carries[channel] = await self._store.carries(channel, SOURCE)
            self._manual[channel] = await self._store.manual_ticks(channel)
            last = await self._store.last_tick(channel)
            if last is not None:
                self.last_slot = max(self.last_slot, last[0])

    async def scheduled(self, slot: int, at: datetime) -> list[TickReport]:
        """Tick every channel for wall-clock ``slot``; a slot already ticked is skipped (no double minutes)."""
        async with self._lock:
            if slot <= self.last_slot:
                return []
            self.last_slot = slot
            return await self._all(at, lambda _channel: (str(slot), slot, None))

    async def manual(self, at: datetime) -> list[TickReport]:
        """One extra presence minute now, outside the schedule (``presence.tick``)."""
        async with self._lock:

            def ids(channel: str) -> tuple[str, int | None, int | None]:
                self._manual[channel] += 1
                return f"m{self._manual[channel]}", None, self._manual[channel]

            return await self._all(at, ids)

    async def _all(
        self, at: datetime, ids: Callable[[str], tuple[str, int | None, int | None]]
    ) -> list[TickReport]:
        await self._credits.resend()  # earlier unanswered requests first, exactly as they were
        if self._before_minute is not None:
            await self._before_minute(at)
        reports = []
        for channel in self._books:
            await self._flush_sessions(channel)
            tick_id, slot, manual = ids(channel)
            reports.append(await self._tick(channel, tick_id, at, slot, manual))
        return reports

    async def _tick(self, channel: str, tick_id: str, at: datetime, slot: int | None, manual: int | None) -> TickReport:
        started = time.perf_counter()
        cfg = self._config()
        book = self._books[channel]
        carries = self.carries[channel]
        present = {k: s for k, s in book.present().items() if not cfg.is_ignored(s.display)}
        if self._gate is not None and self._gate.active:
            listed = len(present)
            present = self._gate.admitted(channel, present, at)
            self._metrics.gated_users.labels(channel).set(listed - len(present))
        elif self._gate is not None:
            self._metrics.gated_users.labels(channel).set(0)
        seen = effective_afk(present, at, cfg.presence.afk_threshold_minutes)  # flag or idle: AFK (idle.py)
        boost = self._boost(channel, at, len(present)) if self._boost is not None else NO_BOOST
        plan = plan_minute(seen, carries, cfg.presence, at, boost)
        items = tick_items(channel, tick_id, plan.postings)
        outcomes = await self._credits.post_items(channel, items, SOURCE) if items else []
        kept = [kept_request(channel, i, SOURCE) for i, o in zip(items, outcomes, strict=True) if not o.answered]
        if kept:
            self._log.warning("presence_credit_unanswered", channel=channel, tick=tick_id, requests=len(kept))
        paid = sum(paid_amount(i, o) for i, o in zip(items, outcomes, strict=True))
        carries.update(plan.carries)
        minutes = [(k, 0 if s.afk else 1) for k, s in seen.items()]
        await self._store.commit_tick(
            TickRecord(channel=channel, at_ms=to_ms(at), day=day_str(at), carries=plan.carries, source=SOURCE,
                       minutes=minutes, kept=kept, slot=slot, manual=manual)
        )
        book.mark_seen(at)
        await self._after_minute(channel, present, at)
        seconds = time.perf_counter() - started
        self._metrics.tick_seconds.labels(channel).observe(seconds)
        self._metrics.active_users.labels(channel).set(len(present))
        return TickReport(tick_id, credited_users=len(plan.postings), z_paid=paid, seconds=seconds,
                          unanswered=len(kept))
