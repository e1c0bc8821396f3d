"""Rain: now and then every present, non-ignored, non-banned user gets the same random amount.

The schedule is wall-clock: the next run time (interval ± jitter) is persisted per channel and
checked by every presence tick, so it survives a restart and a missed rain runs once when the
service is back (not once per missed interval). Each rain is one ``ledger.post_many`` request (more
only past ~2,000 users) with ``on_banned="skip"``, keyed ``rain:<chan>:<scheduled second>:b<bucket>``;
one public announcement; per-user PMs only with ``rain.pm_notification`` (DECISIONS 13).

Not here yet: rank rain bonus (``rain_bonus_percent``, needs ranks from the ledger) and event
multipliers (sprint 7).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from economy_shared.channels import channel_key
from economy_shared.clock import to_ms
from economy_shared.config.presence import RainSettings
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem
from economy_shared.users import user_key

from ..tick import CHUNK
from .owed import render
from .store import TimedStore

if TYPE_CHECKING:
    from ..service import PresenceService
    from ..sessions import Session

BUCKETS = 64  # fixed: a recipient's bucket must not depend on the size of the crowd


def bucket_of(user: str) -> int:
    digest = hashlib.blake2b(user_key(user).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _requests(buckets: Mapping[int, list[Posting]]) -> list[list[tuple[int, list[Posting]]]]:
    """Group buckets into requests of about ``CHUNK`` postings (NATS payload limit)."""
    groups: list[list[tuple[int, list[Posting]]]] = [[]]
    size = 0
    for b in sorted(buckets):
        if groups[-1] and size + len(buckets[b]) > CHUNK:
            groups.append([])
            size = 0
        groups[-1].append((b, buckets[b]))
        size += len(buckets[b])
    return [g for g in groups if g]


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


@dataclass(frozen=True)
class Poured:
    paid: dict[str, int]  # display -> Z credited under this rain's keys (now, or by an earlier lost-reply try)
    done: bool  # False: part of it got no answer; retry with the same key and the same shares
    new_z: int = 0  # Z that moved in this very call (metrics)


class Rain:
    def __init__(self, service: PresenceService, store: TimedStore) -> None:
        self.service = service
        self.store = store
        self.rng = random.Random()
        self._next: dict[str, int] = {}  # channel -> next run (epoch ms)
        self._busy: set[str] = set()
        self._retry: dict[str, tuple[int, dict[str, int]]] = {}  # channel -> (due ms, shares) after a failure

    @property
    def cfg(self) -> RainSettings:
        return self.service.config.rain

    async def start(self) -> None:
        for channel in self.service.config.channel_names():
            stored = await self.store.rain_next(channel)
            if stored is not None:
                self._next[channel] = stored
            elif self.cfg.enabled:
                await self._schedule(channel, self.service.clock.now())

    async def _schedule(self, channel: str, after: datetime) -> None:
        due = to_ms(next_rain(after, self.cfg, self.rng))
        self._next[channel] = due
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
        self.service.spawn(self._run(channel, due, names, at), name="rain")

    async def _run(self, channel: str, due: int | None, names: list[str], at: datetime) -> None:
        try:
            if due is None:  # enabled since start-up: first rain one interval from now
                await self._schedule(channel, at)
                return
            retry = self._retry.pop(channel, None)
            if retry and retry[0] == due:
                shares = retry[1]
            else:
                amount = roll_amount(self.cfg, self.rng)  # one roll per rain: everyone gets the same
                shares = dict.fromkeys(names, amount)
            if shares:
                key = f"rain:{channel_key(channel)}:{due // 1000}"
                poured = await self.pour(channel, key, shares, "rain.ambient", "Rain drop")
                if not poured.done:
                    self._retry[channel] = (due, shares)  # same body next tick: never paid twice
                    return
                if poured.paid:
                    await self.tell(channel, poured.paid, self.service.config.bot.username)
            await self._schedule(channel, at)
        finally:
            self._busy.discard(channel)

    async def pour(
        self, channel: str, key: str, shares: Mapping[str, int], trigger_id: str, reason: str,
        kind: PostingKind = PostingKind.EARN,
    ) -> Poured:
        """Pay ``shares`` (display -> Z); banned users are skipped by the ledger (earn postings).

        Recipients go to fixed hash buckets, each its own idempotency key (``<key>:b<NN>``), and the
        buckets travel together in ``ledger.post_many`` requests. A user's bucket never depends on who
        else is present, so a retry after a restart with a different crowd cannot pay anyone twice.
        A bucket the ledger *replays* was paid by an earlier try whose answer was lost: it counts as paid.
        """
        buckets: dict[int, list[Posting]] = {}
        for u in sorted(shares):
            posting = Posting(user=u, amount=shares[u], kind=kind, trigger_id=trigger_id, reason=reason)
            buckets.setdefault(bucket_of(u), []).append(posting)
        paid: dict[str, int] = {}
        done = True
        new_z = 0
        for group in _requests(buckets):
            items = [
                PostItem(idempotency_key=f"{key}:b{b:02d}", postings=ps, on_banned="skip", want_balances=False)
                for b, ps in group
            ]
            outcomes = await self.service.ledger.post_many(channel, items)
            for (_, ps), outcome in zip(group, outcomes, strict=True):
                if outcome.moved:
                    skipped = set(outcome.skipped)
                    landed = {p.user: p.amount for p in ps if user_key(p.user) not in skipped}
                    paid.update(landed)
                    if outcome.applied:
                        new_z += sum(landed.values())
                    continue
                if not outcome.answered:
                    done = False
                self.service.log.warning("rain_not_paid", channel=channel, key=key, status=outcome.status.value,
                                         code=str(outcome.code))
        if new_z:
            self.service.z_earned.labels(channel, "rain").inc(new_z)
        return Poured(paid, done, new_z)

    async def tell(self, channel: str, paid: Mapping[str, int], giver: str) -> None:
        """One public line; per-user PMs only when ``rain.pm_notification`` is on (quiet users never)."""
        voice = self.service.voice
        amounts = sorted(paid.values())
        await voice.announce(
            channel, "rain", user=giver, count=len(paid), amount=amounts[len(amounts) // 2], total=sum(amounts)
        )
        if not self.cfg.pm_notification:
            return
        items = sorted(paid.items())
        cfg = self.service.config
        for i in range(0, len(items), PM_BATCH):
            batch = items[i : i + PM_BATCH]
            await asyncio.gather(*(voice.notify(channel, u, render(self.cfg.message, cfg, u, z)) for u, z in batch))
