"""The simulated channel: a fake clock stepped one minute at a time through the real rule code.

Per UTC day every user either stays away or makes one visit (length, time of day, chat and appetites
from their habits); per minute the world handles departures, arrivals (welcome wallet, welcome back),
chat and actions, the media playlist, then the presence tick (``economy_presence.tick.plan_minute``
under the multipliers of ``events.multipliers``), the dwell/streak/bridge rules on threshold crossings
(``timed.progress.DayProgress``), rain, and at the configured hour the balance maintenance
(``economy_ledger.maintenance_rules``). After the last minute of a day come the daily competitions
and the achievements. Work is done only for present users; an empty minute costs next to nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from economy_ledger import maintenance_rules
from economy_ledger.achievement_rules import newly_met
from economy_ledger.rank_rules import rank_index
from economy_presence.competitions.rules import Figure, evaluate
from economy_presence.events.boosts import Boosts
from economy_presence.events.carries import BoostCarries
from economy_presence.events.multipliers import NO_BOOST
from economy_presence.idle import effective_afk
from economy_presence.sessions import Arrival, Session
from economy_presence.tick import TRIGGER as PRESENCE
from economy_presence.tick import plan_minute
from economy_presence.timed import bridge, milestones
from economy_presence.timed.owed import Owed
from economy_presence.timed.progress import DayProgress
from economy_presence.timed.rain import BONUS_TRIGGER, next_rain, rank_bonus, roll_amount
from economy_presence.timed.streaks import count_day, effective_streak
from economy_presence.timed.welcome_back import welcome_back_owed
from economy_shared.clock import day_str
from economy_shared.config import EconomyConfig
from economy_shared.schemas.ledger import PostingKind
from economy_shared.users import user_key

from .book import Book
from .chat import ChatSim, message_times
from .people import Person
from .population import Habits
from .spending import MEDIA_LENGTHS, Spending

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday with no configured holiday in the following 30 days
CHANNEL = "sim"
EMOTES = 40  # distinct emotes the simulated channel offers


class _NoEvents:
    """Presence's event book with no scheduled or ad-hoc event running (the simulator starts none)."""

    def active(self, channel: str, now: datetime) -> list[Any]:
        return []


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(frozen=True)
class Snapshot:
    """The channel at the end of one UTC day."""

    day: int
    supply: int
    balances: tuple[int, ...]  # every user who has shown up, sorted
    ranks: dict[str, int]  # tier name -> users holding it


class World:
    def __init__(self, config: EconomyConfig, habits: list[Habits], seed: int, start: datetime = START) -> None:
        self.cfg = config
        self.rng = random.Random(seed)
        self.start = start
        self.people = [Person(i, h, user_key(h.name), h.name) for i, h in enumerate(habits)]
        self.by_key = {p.key: p for p in self.people}
        self.by_display = {p.display: p for p in self.people}
        self.book = Book(len(self.people))
        self.clock = _Clock(start)
        self.present: dict[str, Person] = {}
        self.sessions: dict[str, Session] = {}
        self.boosts = Boosts(_NoEvents(), BoostCarries(None), lambda: config, self.clock,  # type: ignore[arg-type]
                             lambda _channel: len(self.present), None)  # type: ignore[arg-type]
        self.boost = NO_BOOST
        self.tick_carries: dict[str, int] = {}
        self.progress = DayProgress()
        self.dwell_claims: dict[str, set[int]] = {}
        self.chat = ChatSim(config, self.rng, self.pay_trigger, CHANNEL)
        self.spend = Spending(config, self.rng, self.book, CHANNEL, self.price_factor)
        self.next_rain = next_rain(start, config.rain, self.rng) if config.rain.enabled else None
        self.next_media = start
        self.factor = (1.0, None)  # (price factor, when the float was read)
        self.snapshots: list[Snapshot] = []
        self.user_minutes = 0  # presence minutes of everyone (the tick's crowd, summed)
        self.boosted_minutes = 0  # of those, minutes under an earning multiplier
        self.factor_sum = 0.0  # the boost factor summed over user minutes

    # ---- money in ---------------------------------------------------------------------------------------
    def pay_trigger(self, p: Person, trigger: str, base: int) -> None:
        amount, _ = self.boosts.apply(CHANNEL, p.display, base, self.boost)
        self.book.post(p.idx, amount, PostingKind.EARN, trigger)

    def pay_owed(self, p: Person, owed: Owed) -> None:
        self.book.post(p.idx, owed.amount, PostingKind.EARN, owed.trigger_id)

    def price_factor(self) -> float:
        """The inflation governor: the float re-read at most every ``update_interval_seconds``."""
        s, now = self.cfg.inflation, self.clock.now()
        if not s.enabled:
            return 1.0
        value, read = self.factor
        if read is None or (now - read).total_seconds() >= s.update_interval_seconds:
            self.factor = value, read = s.multiplier_for(self.book.supply), now
        return value

    # ---- the run ----------------------------------------------------------------------------------------
    def run(self, days: int, on_day: Callable[[Snapshot], None] | None = None) -> None:
        for day in range(days):
            self.run_day(day)
            if on_day is not None:
                on_day(self.snapshots[-1])

    def run_day(self, day: int) -> None:
        day_start = self.start + timedelta(days=day)
        arrive, leave, acts = self.plan_day(day)
        cfg = self.cfg
        q = cfg.streaks.daily.min_presence_minutes if (cfg.streaks.daily.enabled
                                                        or cfg.streaks.weekend_weekday_bridge.enabled) else None
        self.progress.reset(day_str(day_start), {})
        self.progress.set_thresholds([*milestones.thresholds(cfg), *([q] if q else [])])
        self.dwell_claims = {}
        maintenance_minute = cfg.balance_maintenance.run_hour_utc * 60
        for minute in range(1440):
            now = day_start + timedelta(minutes=minute)
            self.clock.at = now
            for p in leave.get(minute, ()):
                self.depart(p, now)
            for p in arrive.get(minute, ()):
                self.arrive(p, now, day)
            self.boost = self.boosts.current(CHANNEL) if self.present else NO_BOOST
            for second, what, p in sorted(acts.get(minute, ()), key=lambda a: (a[0], a[2].idx)):
                if p.key in self.present:
                    self.act(what, p, now + timedelta(seconds=second), day)
            if now >= self.next_media:
                length = self.spend.queued.pop(0) if self.spend.queued else self.rng.choice(MEDIA_LENGTHS)
                self.chat.change_media(now, length, self.present)
                self.next_media = now + timedelta(seconds=length)
            if self.sessions:
                self.tick(now, q)
            if self.next_rain is not None and now >= self.next_rain:
                self.rain(now)
            if minute == maintenance_minute:
                self.maintain()
            if minute % 60 == 59:
                self.chat.prune(now)
        self.end_day(day, day_start.date())

    def plan_day(self, day: int) -> tuple[dict[int, list[Person]], dict[int, list[Person]],
                                         dict[int, list[tuple[float, str, Person]]]]:
        rng = self.rng
        arrive: dict[int, list[Person]] = {}
        leave: dict[int, list[Person]] = {}
        acts: dict[int, list[tuple[float, str, Person]]] = {}

        def at(offset_s: float, what: str, p: Person) -> None:
            acts.setdefault(int(offset_s // 60), []).append((offset_s % 60, what, p))

        for p in self.people:
            h = p.habits
            if rng.random() >= h.visit_chance:
                continue
            length = min(1400, max(5, int(rng.gauss(h.hours * 60, h.hours * 15))))
            centre = h.peak_hour * 60 + rng.gauss(0, 90)
            begin = int(min(max(0.0, centre - length / 2), 1439 - length))
            arrive.setdefault(begin, []).append(p)
            leave.setdefault(begin + length, []).append(p)
            active = int(length * (1 - h.afk_share))
            for s in message_times(rng, active, h.chat_per_hour):
                at(begin * 60 + 30 + s, "msg", p)

            def sometime(what: str, p: Person = p, b: int = begin, n: int = length) -> None:
                at(b * 60 + rng.uniform(60, max(61, n * 60 - 1)), what, p)

            if h.free_spin:
                sometime("free_spin")
            if rng.random() < h.gamble_chance:
                for _ in range(h.plays_per_session):
                    sometime("gamble")
            if rng.random() < h.queue_chance:
                sometime("queue")
            for word in h.vanity_wishes:
                if word not in p.owned:
                    sometime("buy:" + word)
            for chance, word in ((h.fortune_chance, "fortune"), (h.shoutout_chance, "shoutout")):
                if rng.random() < chance:
                    sometime("buy:" + word)
            if rng.random() < h.tip_chance:
                sometime("tip")
        return arrive, leave, acts

    # ---- per minute -------------------------------------------------------------------------------------
    def arrive(self, p: Person, now: datetime, day: int) -> None:
        absent = None if p.last_seen is None else now - p.last_seen
        if p.first_seen is None:
            p.first_seen, p.first_day = now, day
            wallet = self.cfg.onboarding.welcome_wallet
            if wallet > 0:  # not multiplied, not gated (arrivals.py)
                self.book.post(p.idx, wallet, PostingKind.EARN, "onboarding.wallet")
        owed = welcome_back_owed(self.cfg, CHANNEL, Arrival(p.key, p.display, True, absent), now.date(),
                                 self.boosts.fn(CHANNEL))
        if owed is not None:
            self.pay_owed(p, owed)
        p.session = self.sessions[p.key] = Session(p.display, now)
        self.present[p.key] = p
        self.chat.arrival(p, now)

    def depart(self, p: Person, now: datetime) -> None:
        session = self.sessions.pop(p.key)
        self.present.pop(p.key)
        p.minutes += int((now - session.started).total_seconds() // 60)
        p.last_seen, p.session = now, None

    def act(self, what: str, p: Person, now: datetime, day: int) -> None:
        if what == "msg":
            assert p.session is not None
            p.session.last_active = now  # idle.ActivityWatch: a chat line is activity
            self.chat.message(p, now, self.present)
        elif what == "gamble":
            self.spend.gamble(p, now, day, self.present)
        elif what == "free_spin":
            self.spend.free_spin(p, now, day)
        elif what == "queue":
            self.spend.queue(p, now, day)
        elif what == "tip":
            self.spend.tip(p, now, day, self.present)
        elif what.startswith("buy:"):
            word = what[4:]
            if self.spend.buy(p, word, now, day) and word not in ("fortune", "shoutout"):
                p.owned.add(word)

    def tick(self, now: datetime, qualify: int | None) -> None:
        view = effective_afk(self.sessions, now, self.cfg.presence.afk_threshold_minutes)
        plan = plan_minute(view, self.tick_carries, self.cfg.presence, now, self.boost)
        crowd = len(view)
        self.user_minutes += crowd
        self.factor_sum += float(self.boost.factor) * crowd
        if self.boost.active:
            self.boosted_minutes += crowd
        self.tick_carries.update(plan.carries)
        by = self.by_display
        self.book.earn_many([by[x.user].idx for x in plan.postings], [x.amount for x in plan.postings], PRESENCE)
        crossed = self.progress.add_minute(self.sessions)
        if crossed:
            self.evaluate(crossed, now.date(), qualify)

    def evaluate(self, keys: list[str], today: date, qualify: int | None) -> None:
        """timed/daily.py's evaluation: dwell milestones, the streak and the bridge, for threshold crossers."""
        cfg, boost = self.cfg, self.boosts.fn(CHANNEL)
        marks = set(milestones.thresholds(cfg))
        for k in keys:
            p, due = self.by_key[k], self.progress.due(k)
            if marks.intersection(due):
                claimed = self.dwell_claims.setdefault(k, set())
                for hours in milestones.due_hours(self.progress.minutes.get(k, 0), claimed, cfg):
                    claimed.add(hours)
                    self.pay_owed(p, milestones.milestone_owed(cfg, CHANNEL, k, p.display, today, hours, boost))
            if qualify is not None and qualify in due:
                if cfg.streaks.daily.enabled:
                    step = count_day(p.streak, today, cfg, CHANNEL, k, p.display, boost)
                    if step is not None:
                        p.streak = step.state
                        for owed in step.owed:
                            self.pay_owed(p, owed)
                if cfg.streaks.weekend_weekday_bridge.enabled:
                    week = bridge.week_id(today)
                    b = bridge.qualify(p.bridge.get(week, bridge.BridgeState()), today, cfg, CHANNEL, k, p.display,
                                       boost)
                    if b is not None:
                        p.bridge = {week: b.state}
                        if b.owed is not None:
                            self.pay_owed(p, b.owed)
            self.progress.evaluated(k)

    def rain(self, now: datetime) -> None:
        if self.present:
            amount, boost = roll_amount(self.cfg.rain, self.rng), self.boosts.fn(CHANNEL)
            shares = {p.display: boost(p.key, amount)[0] for p in self.present.values()}
            bonus = rank_bonus(shares, {p.display: self.spend.perks(p).rain_bonus_percent
                                        for p in self.present.values()})
            for name, z in shares.items():
                self.book.post(self.by_display[name].idx, z, PostingKind.EARN, "rain.ambient")
            for name, z in bonus.items():
                self.book.post(self.by_display[name].idx, z, PostingKind.EARN, BONUS_TRIGGER)
        self.next_rain = next_rain(now, self.cfg.rain, self.rng)

    def maintain(self) -> None:
        accounts = [(p.display, self.book.balance(p.idx)) for p in self.people if p.first_seen is not None]
        for posting in maintenance_rules.plan(self.cfg.balance_maintenance, accounts):
            self.book.post(self.by_display[posting.user].idx, posting.amount, posting.kind, posting.trigger_id)

    # ---- the day's end ----------------------------------------------------------------------------------
    def end_day(self, day: int, today: date) -> None:
        book, cfg = self.book, self.cfg
        seen = [p for p in self.people if p.first_seen is not None]
        for p in seen:
            sent = p.day_counts.get("messages_sent", 0)
            if sent:
                used = self.rng.sample(range(EMOTES), min(EMOTES, p.habits.emotes_per_day, sent))
                p.day_counts["unique_emotes_used"] = len(used)
                p.emotes.update(used)
        earnings = {p.key: book.earned_today[p.idx] for p in seen}
        for comp in cfg.daily_competitions:
            field = comp.condition.field
            figures = [Figure(p.key, p.display, earnings[p.key] if field == "z_earned" else p.day_counts.get(field, 0))
                       for p in seen]
            for award in evaluate(comp, figures, earnings, lambda _name: False):
                book.post(self.by_key[award.user_key].idx, award.reward, PostingKind.EARN,
                          f"competition.{award.competition}")
        for p in seen:
            for a in newly_met(cfg.achievements, self.values(p, today), p.achievements):
                p.achievements.add(a.id)
                if a.reward > 0:
                    book.post(p.idx, a.reward, PostingKind.EARN, f"achievement.{a.id}")
        ranks = Counter(cfg.ranks.tiers[rank_index(cfg.ranks, book.counter(p.idx, "lifetime_earned"))].name
                        for p in seen)
        self.snapshots.append(Snapshot(day, book.supply, tuple(sorted(book.balance(p.idx) for p in seen)),
                                       dict(ranks)))
        book.earned_today = [0] * len(book.earned_today)
        for p in seen:
            p.day_counts = {}

    def values(self, p: Person, today: date) -> dict[str, float]:
        """What the achievement conditions read (the ledger's counters and the services' reports)."""
        c = self.book.accounts[p.idx].counters
        return {
            "lifetime_messages": p.messages,
            "lifetime_presence_hours": p.minutes / 60,
            "daily_streak": effective_streak(p.streak, today),
            "unique_tip_recipients": len(p.tipped),
            "unique_tip_senders": len(p.tipped_by),
            "lifetime_earned": c["lifetime_earned"],
            "lifetime_spent": c["lifetime_spent"],
            "lifetime_gambled": c["lifetime_gambled_in"],
            "gambling_biggest_win": p.biggest_win,
            "rank_reached": rank_index(self.cfg.ranks, c["lifetime_earned"]),
            "unique_emotes_used_lifetime": len(p.emotes),
        }
