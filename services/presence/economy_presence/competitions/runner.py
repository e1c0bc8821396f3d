"""Daily competitions, the use case: at 00:00:30 UTC evaluate the day that ENDED, for every channel.

Plan mistakes not repeated (sprint 7 §9 item 8): it runs after midnight for the ended day, not at
23:59 for "today"; a row per (channel, competition, day), written in the transaction that owes the
awards, makes a replay or a restart pay nothing twice, and ``competition_last`` lets a restart that
missed midnight catch up once (at most ``CATCH_UP_DAYS`` back: the ledger keeps three days). The chat
counters are written behind, so they are flushed first. Competitions that need the ledger's day
earnings (``z_earned`` or a percent reward) wait while the ledger does not answer — never paid on
partial data — and the others run.

Awards are ``earn`` postings (DECISIONS 5, they count to ``lifetime_earned``) with trigger
``competition.<id>``, key ``competition:<chan>:<id>:<day>:<user>``, paid through the time-based
rewards' owed rows (one credit path, ``timed/payout.py``). They are NOT multiplied: sprint 7 §1.1 says
so and DECISIONS 11 lists presence, triggers, rain and bonuses, not competitions; the ledger leaves
them out of the day's earnings so a "top earner" share never feeds on itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms, utc_day
from economy_shared.config import EconomyConfig
from economy_shared.config.events import DailyCompetition
from economy_shared.ledger_client import LedgerClient
from economy_shared.schemas.competitions import CompetitionsResult, CompetitionStanding, CompetitionWinner
from economy_shared.voice import Voice

from ..timed.owed import Owed
from .rules import Award, Figure, evaluate, needs_earnings, results_line, winner_notice
from .store import KEEP_DAYS, CompetitionStore

RUN_AFTER_MIDNIGHT = timedelta(seconds=30)  # after the 00:00 presence tick has written 23:59's minute
RETRY = timedelta(minutes=5)  # a day still waiting for the ledger
CATCH_UP_DAYS = 2  # a restart evaluates at most this many ended days back


class CompetitionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.awards = Counter("economy_competition_awards_total", "Daily competition awards owed",
                              ["channel", "competition"], registry=registry)
        self.z = Counter("economy_competition_z_total", "Z owed by daily competitions",
                         ["channel", "competition"], registry=registry)


def award_key(channel: str, comp: str, day: str, user_key: str) -> str:
    return f"competition:{channel_key(channel)}:{comp}:{day}:{user_key}"


def next_run(now: datetime) -> datetime:
    """The next 00:00:30 UTC strictly after ``now``."""
    today = datetime.combine(utc_day(now), time(), tzinfo=now.tzinfo) + RUN_AFTER_MIDNIGHT
    return today if today > now else today + timedelta(days=1)


class Competitions:
    def __init__(
        self,
        store: CompetitionStore,
        ledger: LedgerClient,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        voice: Voice,
        channels: Sequence[str],
        flush: Callable[[], Awaitable[None]],
        kick_payer: Callable[[], None],
        metrics: CompetitionMetrics,
        log: Any,
    ) -> None:
        self.store = store
        self._ledger = ledger
        self._config = config
        self._clock = clock
        self._voice = voice
        self._channels = list(channels)
        self._flush = flush
        self._kick = kick_payer
        self._metrics = metrics
        self._log = log
        self._lock = asyncio.Lock()

    # ---- schedule ----------------------------------------------------------------------------------
    async def run_forever(self) -> None:
        """Catch up now, then run after every midnight (sooner again while a day waits for the ledger)."""
        while True:
            waiting = False
            try:
                waiting = await self.run_due()
            except Exception:
                self._log.exception("competitions_run_failed")
                waiting = True
            now = self._clock.now()
            wake = min(next_run(now), now + RETRY) if waiting else next_run(now)
            await self._clock.sleep(max(1.0, (wake - now).total_seconds()))

    async def run_due(self) -> bool:
        """Evaluate every ended day not yet done, per channel. True if some day still waits."""
        async with self._lock:
            today = utc_day(self._clock.now())
            yesterday = (today - timedelta(days=1)).isoformat()
            await self._flush()  # the chat counters are written behind
            waiting = False
            for channel in self._channels:
                last = await self.store.last_day(channel)
                start = max(today - timedelta(days=CATCH_UP_DAYS), date.fromisoformat(last) + timedelta(days=1)
                            if last else today - timedelta(days=1))
                day = start
                while day < today:
                    done = await self.evaluate_day(channel, day.isoformat())
                    if not done:
                        waiting = True
                        break
                    await self.store.set_last_day(channel, day.isoformat())
                    day += timedelta(days=1)
            await self.store.prune((today - timedelta(days=KEEP_DAYS)).isoformat())
            self._log.debug("competitions_run", day=yesterday, waiting=waiting)
            return waiting

    # ---- one channel, one day -------------------------------------------------------------------------
    async def evaluate_day(self, channel: str, day: str) -> bool:
        """Decide, record and announce ``day``'s competitions not yet evaluated; False if some wait."""
        cfg = self._config()
        comps = [c for c in cfg.daily_competitions]
        todo = [c for c in comps if c.id not in await self.store.evaluated(channel, day)]
        if not todo:
            return True
        earnings: dict[str, int] | None = None
        if any(needs_earnings(c) for c in todo):
            earnings = await self._ledger.daily_earnings(channel, day)
            if earnings is None:
                self._log.warning("competitions_waiting_for_ledger", channel=channel, day=day)
        ready = [c for c in todo if earnings is not None or not needs_earnings(c)]
        awards: list[Award] = []
        for comp in ready:
            awards += evaluate(comp, await self._figures(channel, day, comp, earnings), earnings, cfg.is_ignored)
        owed = [self._owed(channel, day, cfg, a) for a in awards]
        fresh = set(await self.store.record(channel, day, [c.id for c in ready], awards, owed,
                                            to_ms(self._clock.now()))) if ready else set()
        mine = [a for a in awards if a.competition in fresh]
        if mine:
            self._kick()
        for a in mine:
            self._metrics.awards.labels(channel, a.competition).inc()
            self._metrics.z.labels(channel, a.competition).inc(a.reward)
        complete = len(ready) == len(todo)
        if fresh:
            self._log.info("competitions_evaluated", channel=channel, day=day, competitions=len(fresh),
                           awards=len(mine))
            if complete:  # the day's one post, once its last competition is decided (DECISIONS 23)
                won = await self.store.winners(channel, day)
                await self._announce(channel, day, comps, [
                    Award(w.competition, w.user_key, w.display, w.value, w.reward) for w in won])
        return complete

    async def _figures(self, channel: str, day: str, comp: DailyCompetition,
                       earnings: dict[str, int] | None) -> list[Figure]:
        if comp.condition.field != "z_earned":
            return await self.store.figures(channel, day, comp.condition.field)
        rows = earnings or {}
        names = await self.store.displays(channel, list(rows))
        return [Figure(k, names.get(k, k), v) for k, v in rows.items()]

    def _owed(self, channel: str, day: str, cfg: EconomyConfig, a: Award) -> Owed:
        comp = next(c for c in cfg.daily_competitions if c.id == a.competition)
        desc = comp.description or comp.id
        return Owed(
            key=award_key(channel, a.competition, day, a.user_key), user=a.display, amount=a.reward,
            trigger_id=f"competition.{a.competition}", reason=f"{desc} ({day})",
            notice=winner_notice(desc, a.reward, cfg.currency.symbol),
        )

    async def _announce(self, channel: str, day: str, comps: Sequence[DailyCompetition],
                        awards: Sequence[Award]) -> None:
        """One public post: a line per ``announce_public`` competition that has winners (none: no post).
        Gated by the ``daily_champion`` announcement gate (announcements.py)."""
        cfg = self._config()
        ann = cfg.announcements
        if not ann.enabled or not ann.gate("daily_champion").enabled or not ann.templates.get("daily_champion"):
            return
        lines = []
        for comp in comps:
            won = [a for a in awards if a.competition == comp.id]
            if comp.announce_public and won:
                lines.append(results_line(comp.description or comp.id, won, cfg.currency.symbol))
        if not lines:
            return
        try:
            await self._voice.say(channel, "\n".join([f"🏅 Daily competition results ({day}):", *lines]))
        except Exception:
            self._log.exception("competition_results_post_failed", channel=channel, day=day)

    # ---- reading ---------------------------------------------------------------------------------------
    async def standings(self, channel: str, day: str | None = None) -> CompetitionsResult:
        """``day``'s recorded results, or (no day, or today) today's standings so far — nothing paid."""
        cfg = self._config()
        today = utc_day(self._clock.now()).isoformat()
        if day is not None and day < today:
            done = await self.store.evaluated(channel, day)
            won = await self.store.winners(channel, day)
            return CompetitionsResult(day=day, evaluated=bool(done), competitions=[
                CompetitionStanding(
                    id=c.id, description=c.description or c.id, type=c.condition.type, field=c.condition.field,
                    pending=c.id not in done,
                    winners=[CompetitionWinner(user=w.display, value=w.value, reward=w.reward)
                             for w in won if w.competition == c.id],
                )
                for c in cfg.daily_competitions
            ])
        await self._flush()
        earnings = None
        if any(needs_earnings(c) for c in cfg.daily_competitions):
            earnings = await self._ledger.daily_earnings(channel, today)
        out = []
        for c in cfg.daily_competitions:
            pending = needs_earnings(c) and earnings is None
            awards = [] if pending else evaluate(c, await self._figures(channel, today, c, earnings), earnings,
                                                   cfg.is_ignored)
            out.append(CompetitionStanding(
                id=c.id, description=c.description or c.id, type=c.condition.type, field=c.condition.field,
                pending=pending, winners=[CompetitionWinner(user=a.display, value=a.value, reward=a.reward)
                                          for a in awards],
            ))
        return CompetitionsResult(day=today, evaluated=False, competitions=out)
