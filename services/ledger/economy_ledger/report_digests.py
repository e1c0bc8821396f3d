"""The daily user digest and the weekly admin digest (sprint 8 §1.6, §1.7), on the wall clock.

Who gets the user digest of day D (sent from ``digest.user_digest.send_hour_utc`` on D): users with
an earning in the journal on D-1 (not banned). A CyTube PM only reaches users who are online, so the
digest goes to such users **present now** (``presence.present_users``); a user who is away at the
send hour is owed it and gets it when next present, until the next day's digest is due (then the
old one lapses). The weekly admin digest works the same way for admins (``admin.usernames`` and
present users whose CyTube rank is ≥ ``admin.owner_level``) from ``weekday`` at ``send_hour_utc``
until the next week's. Both go through ``voice.notify`` (the announcer's outbox), so users in quiet
mode are skipped there (DECISIONS 23). A sent mark per (channel, kind, period, user) is persisted
before the next poll, so nobody gets a period's digest twice across polls or restarts. If presence
does not answer, nothing is sent that poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.schedule import PeriodicJob
from economy_shared.users import user_key
from economy_shared.voice import Voice

from .rank_rules import progress
from .report_rules import (
    UserDigest,
    WeekReport,
    admin_digest_text,
    day_start,
    due_digest_day,
    due_week,
    user_digest_text,
)
from .report_store import ReportStore, UserDay
from .reports import PresentLookup, ReportMetrics

log = get_logger("economy.ledger.digests")

Account = Callable[[str, str], Awaitable[dict[str, Any] | None]]
Streak = Callable[[str, str], Awaitable[int | None]]
IsAdmin = Callable[[str, str], Awaitable[bool]]
MARKS_KEPT_DAYS = 35


class DigestJob(PeriodicJob):
    name = "economy-digests"
    catch_up_in_start = False  # the first check runs in the background: start never waits on the announcer

    def __init__(self, store: ReportStore, account: Account, present: PresentLookup, streak: Streak,
                 is_admin: IsAdmin, voice: Voice, config: Callable[[], EconomyConfig], clock: Clock,
                 metrics: ReportMetrics, poll_seconds: float = 60.0,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        super().__init__(clock, poll_seconds, sleep)
        self._store = store
        self._account = account
        self._present = present
        self._streak = streak
        self._is_admin = is_admin
        self._voice = voice
        self._config = config
        self._metrics = metrics
        # the covered period's figures do not change once it is over: computed once per period
        self._earners: dict[tuple[str, str], list[UserDay]] = {}
        self._weeks: dict[tuple[str, str], WeekReport] = {}
        self._archived: dict[str, date] = {}
        self._lock = asyncio.Lock()  # one check at a time: check, send and mark never interleave

    async def run_due(self) -> dict[str, int]:
        async with self._lock:
            return await self._run_due()

    async def _run_due(self) -> dict[str, int]:
        cfg = self._config()
        sent = {"user": 0, "admin": 0}
        today = self.clock.now().date()
        for channel in cfg.channel_names():
            try:
                if self._archived.get(channel) != today:  # once a day: closed days for the weekly top
                    keep = (today - timedelta(days=MARKS_KEPT_DAYS)).isoformat()
                    await self._store.archive_days(channel, today.isoformat(), keep)
                    self._archived[channel] = today
                if cfg.digest.user_digest.enabled:
                    sent["user"] += await self.user_digests(channel)
                if cfg.digest.admin_digest.enabled:
                    sent["admin"] += await self.admin_digests(channel)
            except Exception:
                log.exception("digest_failed", channel=channel)
        await self._store.prune_marks(to_ms(self.clock.now() - timedelta(days=MARKS_KEPT_DAYS)))
        return sent

    async def user_digests(self, channel: str) -> int:
        cfg = self._config()
        day = due_digest_day(self.clock.now(), cfg.digest.user_digest.send_hour_utc)
        period = day.isoformat()
        present = await self._present(channel)
        if not present:
            return 0
        here = {user_key(u) for u in present}
        key = (channel, period)
        if key not in self._earners:
            self._earners = {k: v for k, v in self._earners.items() if k[0] != channel}
            covered = day - timedelta(days=1)
            self._earners[key] = await self._store.earners(
                channel, covered.isoformat(), to_ms(day_start(covered)), to_ms(day_start(day)))
        done = await self._store.sent(channel, "user", period)
        count = 0
        for e in self._earners[key]:
            if e.key not in here or e.key in done:
                continue
            text = await self._user_text(channel, e)
            if text is None:
                continue
            if await self._voice.notify(channel, e.display, text):
                await self._store.mark_sent(channel, "user", period, e.key, to_ms(self.clock.now()))
                self._metrics.digests.labels("user").inc()
                count += 1
        return count

    async def _user_text(self, channel: str, e: UserDay) -> str | None:
        cfg = self._config()
        acct = await self._account(channel, e.key)
        if acct is None or acct.get("banned"):
            return None
        p = progress(cfg.ranks, acct["lifetime_earned"], acct.get("rank_floor"))
        digest = UserDigest(user=acct["display_name"], earned=e.earned, spent=max(0, e.spent),
                            balance=acct["balance"], rank=p.name, next_name=p.next_name, remaining=p.remaining,
                            streak=await self._streak(channel, e.key) or 0)
        return user_digest_text(cfg, digest)

    async def admin_digests(self, channel: str) -> int:
        settings = self._config().digest.admin_digest
        week = due_week(self.clock.now(), settings.weekday, settings.send_hour_utc)
        period = week.isoformat()
        present = await self._present(channel)
        if not present:
            return 0
        done = await self._store.sent(channel, "admin", period)
        admins = [u for u in present if user_key(u) not in done and await self._is_admin(channel, u)]
        if not admins:
            return 0
        key = (channel, period)
        if key not in self._weeks:
            self._weeks = {k: v for k, v in self._weeks.items() if k[0] != channel}
            self._weeks[key] = await self.week_report(channel, week - timedelta(days=settings.window_days), week)
        text = admin_digest_text(self._config(), self._weeks[key])
        count = 0
        for name in admins:
            if await self._voice.notify(channel, name, text):
                await self._store.mark_sent(channel, "admin", period, name, to_ms(self.clock.now()))
                self._metrics.digests.labels("admin").inc()
                count += 1
        return count

    async def week_report(self, channel: str, start_day: date, end_day: date) -> WeekReport:
        """Flows, new accounts and top earners (the daily boards' figures, archived each day) of
        [start_day, end_day); circulation change since the first snapshot in the window."""
        start, end = to_ms(day_start(start_day)), to_ms(day_start(end_day))
        _, circulation = await self._store.totals(channel)
        first = await self._store.first_snapshot_since(channel, start)
        return WeekReport(
            channel=channel, start=start_day, end=end_day, flows=await self._store.flows(channel, start, end),
            circulation=circulation, circulation_change=circulation - first.circulation if first else None,
            new_accounts=await self._store.new_accounts(channel, start, end),
            top_earners=await self._store.top_earners_of_days(
                channel, start_day.isoformat(), (end_day - timedelta(days=1)).isoformat(), 5),
        )
