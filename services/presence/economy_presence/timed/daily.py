"""After each tick: dwell milestones, the daily streak and the bridge, for threshold crossers only.

Per tick this is one pass over the present users in memory (``DayProgress``); users who crossed a
threshold are evaluated together in ONE transaction that reads their rows, applies the pure rules,
writes the new state and the owed payments. Payment happens afterwards (``payout.Payer``, kicked
by ``TimedRewards`` after every tick).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, day_str, to_ms
from economy_shared.config import EconomyConfig

from ..sessions import Session
from . import bridge, milestones
from .owed import BoostFn, Owed, no_boost
from .progress import DayProgress
from .store import TimedStore, TimedTx
from .streaks import StreakState, count_day

Notify = Callable[[str, str, str], None]  # (channel, user, text): a PM sent in the background


class DailyRules:
    def __init__(
        self, store: TimedStore, config: Callable[[], EconomyConfig], clock: Clock, notify: Notify,
        boost_for: Callable[[str], BoostFn] = lambda _channel: no_boost,
    ) -> None:
        self.store = store
        self._boost_for = boost_for  # the channel's earning multipliers now (events/boosts.py)
        self._config = config
        self._clock = clock
        self._notify = notify
        self.progress: dict[str, DayProgress] = {}
        self._names: dict[str, dict[str, str]] = {}  # display names of users seen today (seeded rows)

    # ---- thresholds -----------------------------------------------------------------------------
    def qualify_minutes(self) -> int | None:
        """Minutes that make the day count (streak and bridge); None when both rules are off."""
        s = self._config().streaks
        if not (s.daily.enabled or s.weekend_weekday_bridge.enabled):
            return None
        return s.daily.min_presence_minutes

    def thresholds(self) -> list[int]:
        q = self.qualify_minutes()
        return [*milestones.thresholds(self._config()), *([q] if q else [])]

    # ---- hooks --------------------------------------------------------------------------------
    async def seed(self, channel: str, at: datetime, names: Mapping[str, str] | None = None) -> None:
        """Start the day from the stored minutes, then settle anything a crash left unevaluated."""
        day = day_str(at)
        rows = await self.store.day_minutes(channel, day)
        prog = self.progress.setdefault(channel, DayProgress())
        prog.reset(day, {k: m for k, (m, _) in rows.items()})
        prog.set_thresholds(self.thresholds())
        self._names[channel] = {k: d for k, (_, d) in rows.items()}
        await self.evaluate(channel, day, prog.pending(), names or {})

    async def on_minutes(self, channel: str, present: Mapping[str, Session], at: datetime) -> None:
        prog = self.progress.setdefault(channel, DayProgress())
        prog.set_thresholds(self.thresholds())
        day = day_str(at)
        if prog.day != day:  # a new UTC day: the tick has already stored this minute
            await self._prune(channel, at)
            await self.seed(channel, at, {k: s.display for k, s in present.items()})
            return
        crossed = prog.add_minute(present.keys())
        if crossed:
            await self.evaluate(channel, day, crossed, {k: s.display for k, s in present.items()})

    async def _prune(self, channel: str, at: datetime) -> None:
        today = at.date()
        keep_week = bridge.week_start(today) - timedelta(days=7)
        await self.store.prune(channel, (today - timedelta(days=1)).isoformat(), keep_week.isoformat())

    # ---- evaluation -----------------------------------------------------------------------------
    async def evaluate(self, channel: str, day: str, keys: Sequence[str], names: Mapping[str, str]) -> None:
        if not keys:
            return
        prog = self.progress[channel]
        seen = self._names.get(channel, {})
        display = {k: names.get(k) or seen.get(k) or k for k in keys}
        q = self.qualify_minutes()
        marks = set(milestones.thresholds(self._config()))
        due = {k: prog.due(k) for k in keys}
        qualified = [k for k in keys if q is not None and q in due[k]]
        dwellers = [k for k in keys if marks.intersection(due[k])]
        owed: list[Owed] = []
        reminders: list[tuple[str, str]] = []
        today = date.fromisoformat(day)
        boost = self._boost_for(channel)
        async with self.store.transaction(channel) as tx:
            owed += await self._dwell(tx, day, dwellers, prog.minutes, display, boost)
            owed += await self._streaks(tx, today, qualified, display, boost)
            paid, reminders = await self._bridge(tx, today, qualified, display, boost)
            owed += paid
            await tx.add_owed(owed, to_ms(self._clock.now()))
        for k in keys:
            prog.evaluated(k)
        for user, text in reminders:
            self._notify(channel, user, text)

    def _chan(self, tx: TimedTx) -> str:
        return channel_key(tx.channel)

    async def _dwell(
        self, tx: TimedTx, day: str, keys: list[str], minutes: Mapping[str, int], display: Mapping[str, str],
        boost: BoostFn,
    ) -> list[Owed]:
        if not keys:
            return []
        cfg = self._config()
        claimed = await tx.dwell_claims(day, keys)
        owed, claims = [], []
        for k in keys:
            for h in milestones.due_hours(minutes.get(k, 0), claimed.get(k, set()), cfg):
                claims.append((k, h))
                owed.append(milestones.milestone_owed(cfg, self._chan(tx), k, display[k], date.fromisoformat(day), h,
                                                      boost))
        await tx.add_dwell_claims(day, claims)
        return owed

    async def _streaks(
        self, tx: TimedTx, today: date, keys: list[str], display: Mapping[str, str], boost: BoostFn
    ) -> list[Owed]:
        cfg = self._config()
        if not keys or not cfg.streaks.daily.enabled:
            return []
        states = await tx.streaks(keys)
        updates: dict[str, StreakState] = {}
        owed: list[Owed] = []
        for k in keys:
            step = count_day(states.get(k, StreakState()), today, cfg, self._chan(tx), k, display[k], boost)
            if step is not None:
                updates[k] = step.state
                owed += step.owed
        await tx.save_streaks(updates)
        return owed

    async def _bridge(
        self, tx: TimedTx, today: date, keys: list[str], display: Mapping[str, str], boost: BoostFn
    ) -> tuple[list[Owed], list[tuple[str, str]]]:
        cfg = self._config()
        if not keys or not cfg.streaks.weekend_weekday_bridge.enabled:
            return [], []
        week = bridge.week_id(today)
        states = await tx.bridge(week, keys)
        updates: dict[str, bridge.BridgeState] = {}
        owed: list[Owed] = []
        reminders: list[tuple[str, str]] = []
        for k in keys:
            step = bridge.qualify(states.get(k, bridge.BridgeState()), today, cfg, self._chan(tx), k, display[k],
                                  boost)
            if step is None:
                continue
            updates[k] = step.state
            if step.owed is not None:
                owed.append(step.owed)
            if step.reminder:
                reminders.append((display[k], step.reminder))
        await tx.save_bridge(week, updates)
        return owed, reminders
