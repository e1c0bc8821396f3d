"""Rain: now and then every present, non-ignored, non-banned user gets the same random amount.

The schedule is wall-clock: the next run time (interval ± jitter) is persisted per channel and
checked by every presence tick, so it survives a restart and a missed rain runs once when the
service is back (not once per missed interval). Each rain is one ``ledger.post_many`` request (more
only past ~2,000 users) with ``on_banned="skip"``, keyed ``rain:<chan>:<scheduled second>:b<bucket>``;
one public announcement; per-user PMs only with ``rain.pm_notification`` (DECISIONS 13).

A rain some of whose buckets got no answer keeps its shares (persisted with the schedule) and is
re-sent at the next tick with the very same bodies until every bucket is answered; buckets that
committed come back REPLAYED and count as paid. Then it is announced once and the next one scheduled.

Rank bonus (DECISIONS 17): each user's drop gets their rank's ``rain_bonus_percent`` on top (rounded
down), asked of the ledger for the whole crowd in one ``ledger.rank_perks_many`` when the rain is rolled,
and paid as a second posting in the user's bucket (trigger ``rain.rank_bonus``). It is persisted with
the shares, so a re-sent rain has the very same bodies; a ledger that does not answer the perks request
means a rain without bonus, never a delay. The admin ``rain`` (admin_rain.py) gets no bonus.

Event multipliers (DECISIONS 11): each user's drop is multiplied by the channel's boost when the rain is
rolled (exact fractions carried per user), the journal row names the sources, and the boost is persisted
with the shares so a re-sent rain has the very same bodies. The admin rain is not multiplied.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.config.presence import RainSettings
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem, RankPerksResult
from economy_shared.users import user_key
from economy_shared.voice import Voice

from ..credit import CreditPath, paid_amount
from ..sessions import Session
from .owed import BoostFn, no_boost, render
from .store import TimedStore

BUCKETS = 64  # fixed: a recipient's bucket must not depend on the size of the crowd
BONUS_TRIGGER = "rain.rank_bonus"
BONUS_REASON = "Rank bonus on rain"
PerksOf = Callable[[str, list[str]], Awaitable["dict[str, RankPerksResult] | None"]]


def bucket_of(user: str) -> int:
    digest = hashlib.blake2b(user_key(user).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKETS


PM_BATCH = 50


def next_rain(after: datetime, cfg: RainSettings, rng: random.Random) -> datetime:
    """``interval_minutes`` ± ``jitter_percent`` after ``after``."""
    j = cfg.jitter_percent / 100
    return after + timedelta(minutes=cfg.interval_minutes * (1 + rng.uniform(-j, j)))


def roll_amount(cfg: RainSettings, rng: random.Random) -> int:
    return rng.randint(cfg.min_amount, cfg.max_amount)


def split(total: int, users: Sequence[str], rng: random.Random) -> dict[str, int]:
    """Share ``total`` as evenly as whole Z allow; the leftover Z go one each to random users.

    Users whose share is 0 (``total`` smaller than the crowd) are left out. The sum is always ``total``.
    """
    if not users or total <= 0:
        return {}
    base, rest = divmod(total, len(users))
    lucky = set(rng.sample(range(len(users)), rest))
    shares = {u: base + (1 if i in lucky else 0) for i, u in enumerate(users)}
    return {u: z for u, z in shares.items() if z > 0}


def rank_bonus(shares: Mapping[str, int], percents: Mapping[str, int]) -> dict[str, int]:
    """Each share's rank bonus: ``share * percent // 100`` (rounded down); users with 0 left out."""
    out = {u: z * max(0, percents.get(u, 0)) // 100 for u, z in shares.items()}
    return {u: b for u, b in out.items() if b > 0}


@dataclass(frozen=True)
class RainDrop:
    """One rolled rain: each user's share, their rank bonus and the journal metadata of the boost."""

    shares: dict[str, int]
    bonus: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] | None = None

    def dumps(self) -> str:
        return json.dumps({"shares": self.shares, "bonus": self.bonus, "meta": self.meta}, sort_keys=True)


def pending_shares(stored: Any) -> RainDrop:
    """A stored unanswered rain: ``{"shares", "bonus", "meta"}``, or a plain ``{user: Z}`` from before bonuses."""
    if isinstance(stored, dict) and isinstance(stored.get("shares"), dict):
        bonus = stored.get("bonus") if isinstance(stored.get("bonus"), dict) else {}
        meta = stored.get("meta") if isinstance(stored.get("meta"), dict) else None
        return RainDrop({str(k): int(v) for k, v in stored["shares"].items()},
                        {str(k): int(v) for k, v in bonus.items()}, meta)
    return RainDrop({str(k): int(v) for k, v in dict(stored).items()})


def bucket_items(
    key: str, shares: Mapping[str, int], trigger_id: str, reason: str, kind: PostingKind,
    bonus: Mapping[str, int] | None = None, metadata: dict[str, Any] | None = None,
) -> list[PostItem]:
    """Recipients in fixed hash buckets, each its own idempotency key (``<key>:b<NN>``), in bucket order.

    A user's bucket never depends on who else is present, so a retry after a restart with a different
    crowd cannot pay anyone twice; the same shares always give the very same bodies. A user's rank
    bonus is a second posting in the same bucket (so it is paid with the share or not at all).
    """
    buckets: dict[int, list[Posting]] = {}
    for u in sorted(shares):
        posting = Posting(user=u, amount=shares[u], kind=kind, trigger_id=trigger_id, reason=reason,
                          metadata=metadata)
        buckets.setdefault(bucket_of(u), []).append(posting)
        extra = (bonus or {}).get(u, 0)
        if extra > 0:
            buckets[bucket_of(u)].append(Posting(user=u, amount=extra, kind=kind, trigger_id=BONUS_TRIGGER,
                                                 reason=BONUS_REASON))
    return [
        PostItem(idempotency_key=f"{key}:b{b:02d}", postings=buckets[b], on_banned="skip", want_balances=False)
        for b in sorted(buckets)
    ]


@dataclass(frozen=True)
class Poured:
    paid: dict[str, int]  # display -> Z the ledger says were credited (now, or by an earlier attempt)
    unanswered: list[PostItem] = field(default_factory=list)  # buckets with no answer: re-send as they are

    @property
    def done(self) -> bool:
        """Every bucket got an answer."""
        return not self.unanswered


class Rain:
    """Ambient rain on a wall-clock schedule, and ``pour`` (shared with the admin rain)."""

    def __init__(
        self,
        store: TimedStore,
        credits: CreditPath,
        voice: Voice,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        spawn: Callable[..., Any],
        channels: Sequence[str],
        log: Any,
        perks: PerksOf | None = None,
        boost_for: Callable[[str], BoostFn] | None = None,
    ) -> None:
        self.store = store
        self._boost_for = boost_for  # the channel's earning multipliers now (events/boosts.py)
        self._perks = perks  # ledger.rank_perks_many (LedgerClient.rank_perks_many); None: no rank bonus
        self._credits = credits
        self._voice = voice
        self._config = config
        self._clock = clock
        self._spawn = spawn
        self._channels = list(channels)
        self._log = log
        self.rng = random.Random()
        self._next: dict[str, int] = {}  # channel -> next run (epoch ms)
        self._busy: set[str] = set()
        # channel -> the due rain that got no answer (shares, rank bonus, boost metadata)
        self._pending: dict[str, RainDrop] = {}

    @property
    def cfg(self) -> RainSettings:
        return self._config().rain

    async def start(self) -> None:
        for channel in self._channels:
            stored = await self.store.rain_next(channel)
            pending = await self.store.rain_pending(channel)
            if pending is not None:
                self._pending[channel] = pending_shares(pending)
            if stored is not None:
                self._next[channel] = stored
            elif self.cfg.enabled:
                await self._schedule(channel, self._clock.now())

    async def _schedule(self, channel: str, after: datetime) -> None:
        due = to_ms(next_rain(after, self.cfg, self.rng))
        self._next[channel] = due
        self._pending.pop(channel, None)
        await self.store.set_rain_next(channel, due)

    def on_tick(self, channel: str, present: Mapping[str, Session], at: datetime) -> None:
        """Called by every tick; starts a rain in the background when one is due."""
        if not self.cfg.enabled or channel in self._busy:
            return
        due = self._next.get(channel)
        if due is not None and to_ms(at) < due:
            return
        self._busy.add(channel)
        names = sorted(s.display for s in present.values())
        self._spawn(self._run(channel, due, names, at), name="rain")

    async def _run(self, channel: str, due: int | None, names: list[str], at: datetime) -> None:
        try:
            if due is None:  # enabled since start-up: first rain one interval from now
                await self._schedule(channel, at)
                return
            drop = self._pending.get(channel)
            if drop is None:
                drop = await self._roll(channel, names)
            if drop.shares:
                key = f"rain:{channel_key(channel)}:{due // 1000}"
                poured = await self.pour(channel, key, drop.shares, "rain.ambient", "Rain drop", bonus=drop.bonus,
                                         metadata=drop.meta)
                if not poured.done:  # the same shares (same bodies) are sent again next tick, even after a restart
                    self._pending[channel] = drop
                    await self.store.set_rain_pending(channel, drop.dumps())
                    return
                if poured.paid:
                    await self.tell(channel, poured.paid, self._config().bot.username)
            await self._schedule(channel, at)
        finally:
            self._busy.discard(channel)

    async def _roll(self, channel: str, names: Sequence[str]) -> RainDrop:
        """One roll per rain (everyone gets the same), times the channel's boost, plus rank bonuses."""
        amount = roll_amount(self.cfg, self.rng)
        boost = self._boost_for(channel) if self._boost_for is not None else no_boost
        shares: dict[str, int] = {}
        meta: dict[str, Any] | None = None
        for name in names:
            shares[name], meta = boost(user_key(name), amount)
        return RainDrop(shares, await self._bonus(channel, shares), meta)

    async def _bonus(self, channel: str, shares: Mapping[str, int]) -> dict[str, int]:
        """Rank bonuses for this crowd, in one request; none when the ledger does not answer."""
        if self._perks is None or not shares:
            return {}
        try:
            perks = await self._perks(channel, sorted(shares))
        except Exception:  # a broken reply must not stop the rain
            perks = None
        if perks is None:
            self._log.warning("rain_without_rank_bonus", channel=channel, detail="the ledger did not answer")
            return {}
        return rank_bonus(shares, {u: p.rain_bonus_percent for u, p in perks.items()})

    async def pour(
        self,
        channel: str,
        key: str,
        shares: Mapping[str, int],
        trigger_id: str,
        reason: str,
        kind: PostingKind = PostingKind.EARN,
        bonus: Mapping[str, int] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Poured:
        """Pay ``shares`` (display -> Z) in fixed buckets; banned users are skipped by the ledger (earnings).

        A bucket counts as paid when the ledger says its money moved, now or before (a REPLAYED bucket
        committed on an attempt whose reply was lost).
        """
        items = bucket_items(key, shares, trigger_id, reason, kind, bonus, metadata)
        outcomes = await self._credits.post_items(channel, items, "rain")
        paid: dict[str, int] = {}
        unanswered: list[PostItem] = []
        for item, outcome in zip(items, outcomes, strict=True):
            if not outcome.answered:
                unanswered.append(item)
            elif paid_amount(item, outcome):
                skipped = set(outcome.skipped)
                for p in item.postings:  # a share and its rank bonus add up
                    if user_key(p.user) not in skipped:
                        paid[p.user] = paid.get(p.user, 0) + p.amount
        if unanswered:
            self._log.warning("rain_unanswered", channel=channel, key=key, buckets=len(unanswered))
        return Poured(paid, unanswered)

    async def tell(self, channel: str, paid: Mapping[str, int], giver: str) -> None:
        """One public line; per-user PMs only when ``rain.pm_notification`` is on (quiet users never)."""
        amounts = sorted(paid.values())
        await self._voice.announce(
            channel, "rain", user=giver, count=len(paid), amount=amounts[len(amounts) // 2], total=sum(amounts)
        )
        if not self.cfg.pm_notification:
            return
        items = sorted(paid.items())
        cfg = self._config()
        for i in range(0, len(items), PM_BATCH):
            batch = items[i : i + PM_BATCH]
            await asyncio.gather(*(self._voice.notify(channel, u, render(self.cfg.message, cfg, u, z))
                                   for u, z in batch))
