"""Earning events, the use case: ad-hoc events started by an admin, scheduled events started by cron, both
persisted (DECISIONS 11), so a restart inside a window finds the event running.

``advance(now)`` runs before every presence tick: it starts the scheduled events whose window is open
(announcing them and owing the presence bonus, split exactly among the users present), and tells the
end of every event that is over (ad-hoc always; scheduled when ``announce`` is set). One ad-hoc event
at a time per channel. Wording stays in ``commands`` / ``event_commands``; this returns outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.config.events import ScheduledEvent
from economy_shared.sanitize import public_text
from economy_shared.users import user_key
from economy_shared.voice import Voice

from ..metrics import PresenceMetrics
from ..timed.owed import Owed, render
from .multipliers import ActiveEvent, exact
from .store import EventRow, EventStore
from .windows import duration_text, factor_text, name_slug, open_window, split_bonus

BONUS_TRIGGER = "event.presence_bonus"
BONUS_NOTICE = "🎁 You were here when {name} started: +{amount} {symbol}!"
NAME_LIMIT = 60
KEEP_ENDED_DAYS = 30


class EventStatus(StrEnum):
    STARTED = "started"
    STOPPED = "stopped"
    ALREADY_RUNNING = "already_running"
    NONE_RUNNING = "none_running"
    BAD_MULTIPLIER = "bad_multiplier"
    BAD_MINUTES = "bad_minutes"
    BAD_NAME = "bad_name"
    UNKNOWN_CHANNEL = "unknown_channel"


@dataclass(frozen=True)
class EventOutcome:
    status: EventStatus
    event: EventRow | None = None
    limit: float = 0  # for BAD_MULTIPLIER / BAD_MINUTES: the configured maximum


class EarningEvents:
    def __init__(
        self,
        store: EventStore,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        voice: Voice,
        channels: Sequence[str],
        present_names: Callable[[str], list[str]],
        owed_added: Callable[[], None],
        metrics: PresenceMetrics,
        log: Any,
    ) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._voice = voice
        self._channels = list(channels)
        self._present_names = present_names
        self._owed_added = owed_added  # kicks the payer that pays owed rows
        self._metrics = metrics
        self._log = log
        self._rows: dict[int, EventRow] = {}  # events whose end is not told yet
        self._tried: set[tuple[str, str, int]] = set()  # scheduled (channel, name, start) already handled

    async def load(self) -> None:
        self._rows = {r.id: r for r in await self._store.open_rows()}
        self._tried = {(r.channel, r.name, r.starts_ms) for r in self._rows.values() if r.kind == "scheduled"}

    # ---- reads ----------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._clock.now()

    def running(self, channel: str, at: datetime | None = None) -> list[EventRow]:
        now_ms = to_ms(at or self._clock.now())
        return [r for r in self._rows.values() if r.channel == channel and r.starts_ms <= now_ms < r.ends_ms]

    def active(self, channel: str, at: datetime | None = None) -> list[ActiveEvent]:
        return [ActiveEvent(r.kind, r.name, r.multiplier, r.ends_ms, r.hidden) for r in self.running(channel, at)]

    # ---- the schedule ---------------------------------------------------------------------------------
    async def advance(self, now: datetime) -> None:
        """Start what is due, tell what ended. Never raises: a failure is logged and retried next minute."""
        try:
            for channel in self._channels:
                for event in self._config().multipliers.scheduled_events:
                    window = open_window(event, now)
                    if window is not None and (channel, event.name, to_ms(window[0])) not in self._tried:
                        await self._start_scheduled(channel, event, window, now)
            await self._tell_ended(now)
        except Exception:
            self._log.exception("earning_events_advance_failed")

    async def _start_scheduled(
        self, channel: str, event: ScheduledEvent, window: tuple[datetime, datetime], now: datetime
    ) -> None:
        start_ms, end_ms = to_ms(window[0]), to_ms(window[1])
        shares = split_bonus(event.presence_bonus, self._present_names(channel))
        owed = [self._bonus_owed(channel, event.name, start_ms, user, z, tell=not event.hidden)
                for user, z in shares.items()]
        new_id = await self._store.start(
            channel, "scheduled", event.name, exact(event.multiplier), start_ms, end_ms, hidden=event.hidden,
            announce=event.announce, owed=owed, now_ms=to_ms(now),
        )
        self._tried.add((channel, event.name, start_ms))
        if new_id is None:
            return  # started before (a restart inside the window): nothing to say or pay again
        row = EventRow(new_id, channel, "scheduled", event.name, exact(event.multiplier), start_ms, end_ms,
                       "", event.hidden, event.announce and not event.hidden)  # a hidden event is never told
        for old in [r for r in self._rows.values() if r.channel == channel and r.kind == "scheduled"
                    and r.name == event.name]:
            self._rows.pop(old.id)  # superseded by this window (store.start ended it)
        self._rows[new_id] = row
        self._metrics.events_started.labels(channel, "scheduled").inc()
        self._log.info("earning_event_started", channel=channel, kind="scheduled", name=event.name,
                       multiplier=str(row.multiplier), bonus_users=len(owed))
        if owed:
            self._metrics.event_bonus_paid.labels(channel).inc(sum(o.amount for o in owed))
            self._owed_added()
        if row.announce:
            await self._announce_start(row, "")

    def _bonus_owed(self, channel: str, name: str, start_ms: int, user: str, amount: int, *, tell: bool) -> Owed:
        """Not multiplied: the bonus is a fixed pool shared exactly (never more than ``presence_bonus``).
        A hidden event's bonus is paid without a PM (the PM would name it)."""
        return Owed(
            key=f"event:{channel_key(channel)}:{name_slug(name)}:{start_ms}:{user_key(user)}",
            user=user, amount=amount, trigger_id=BONUS_TRIGGER, reason=f"Present at the start of {name}"[:200],
            notice=render(BONUS_NOTICE, self._config(), user, amount, name=name) if tell else "",
        )

    async def _tell_ended(self, now: datetime) -> None:
        now_ms = to_ms(now)
        ended = [r for r in self._rows.values() if r.ends_ms <= now_ms]
        if not ended:
            return
        await self._store.mark_told([r.id for r in ended])
        for r in ended:
            self._rows.pop(r.id, None)
            self._log.info("earning_event_ended", channel=r.channel, kind=r.kind, name=r.name)
            if r.kind == "adhoc" or r.announce:
                await self._say(r.channel, "event_stop", name=r.name)
        await self._store.prune(now_ms - KEEP_ENDED_DAYS * 86_400_000)

    # ---- admin ad-hoc events --------------------------------------------------------------------------
    async def start_adhoc(
        self, channel: str, admin: str, multiplier: float, minutes: int, name: str
    ) -> EventOutcome:
        limits = self._config().multipliers.adhoc
        if channel not in self._channels:
            return EventOutcome(EventStatus.UNKNOWN_CHANNEL)
        factor = exact(multiplier)
        if not (Decimal(1) < factor <= exact(limits.max_multiplier)):
            return EventOutcome(EventStatus.BAD_MULTIPLIER, limit=limits.max_multiplier)
        if not 1 <= minutes <= limits.max_minutes:
            return EventOutcome(EventStatus.BAD_MINUTES, limit=limits.max_minutes)
        clean = public_text(name, NAME_LIMIT)  # it is said in public (DECISIONS 20)
        if not clean:
            return EventOutcome(EventStatus.BAD_NAME)
        now = self._clock.now()
        start_ms, end_ms = to_ms(now), to_ms(now + timedelta(minutes=minutes))
        new_id = await self._store.start(channel, "adhoc", clean, factor, start_ms, end_ms, started_by=admin,
                                         now_ms=start_ms, only_if_none_running=True)
        if new_id is None:
            running = [r for r in self.running(channel, now) if r.kind == "adhoc"]
            return EventOutcome(EventStatus.ALREADY_RUNNING, running[0] if running else None)
        row = EventRow(new_id, channel, "adhoc", clean, factor, start_ms, end_ms, admin)
        self._rows[new_id] = row
        self._metrics.events_started.labels(channel, "adhoc").inc()
        self._log.info("earning_event_started", channel=channel, kind="adhoc", name=clean, by=admin,
                       multiplier=str(factor), minutes=minutes)
        await self._announce_start(row, admin)
        return EventOutcome(EventStatus.STARTED, row)

    async def stop_adhoc(self, channel: str, admin: str) -> EventOutcome:
        if channel not in self._channels:
            return EventOutcome(EventStatus.UNKNOWN_CHANNEL)
        now = self._clock.now()
        for row in [r for r in self.running(channel, now) if r.kind == "adhoc"]:
            if await self._store.stop(row.id, to_ms(now), admin):
                self._rows.pop(row.id, None)
                self._log.info("earning_event_stopped", channel=channel, name=row.name, by=admin)
                await self._say(channel, "event_stop", name=row.name)
                return EventOutcome(EventStatus.STOPPED, row)
        return EventOutcome(EventStatus.NONE_RUNNING)

    # ---- speaking -------------------------------------------------------------------------------------
    async def _announce_start(self, row: EventRow, by: str) -> None:
        minutes = (row.ends_ms - row.starts_ms) / 60_000
        await self._say(row.channel, "event_start", name=row.name, multiplier=factor_text(row.multiplier),
                        hours=factor_text(round(minutes / 60, 2)), duration=duration_text(minutes), by=by)

    async def _say(self, channel: str, template: str, **context: Any) -> None:
        try:
            await self._voice.announce(channel, template, **context)
        except Exception:  # an announcement is never worth breaking the event for
            self._log.exception("earning_event_announce_failed", channel=channel, template=template)
