"""Leaderboards and profiles: the use case behind PM ``top``/``profile``, ``ledger.leaderboard``/
``ledger.profile`` and the public ``leaderboard``/``profile.get`` (one implementation for all).

A profile names only an existing account (DECISIONS 1: asking never creates one). Its streak comes
from presence and its gambling record from the gambling service, each with a short timeout; a
silent service only drops its line. The achievements count is a seam (``achievements``) for the
achievements feature to fill.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.schemas.ledger import is_system_account
from economy_shared.users import user_key

from .board_rules import EARNERS, LIFETIME, RANKS, RICH, Board, BoardRow, Profile, distribution, oldest_kept, utc_day
from .boards_store import BoardsStore, Standing
from .metrics import LedgerMetrics
from .rank_rules import rank_index
from .vanity_lookup import VanityBits


class StreakLookup(Protocol):
    """Presence's ``user_status`` streak (presence_lookup.PresenceLookup); None when presence cannot tell."""

    async def streak_days(self, channel: str, user: str) -> int | None: ...


class GamblingRecord(Protocol):
    """The gambling service's record (gambling_lookup.GamblingLookup): (games, net) or None."""

    async def record(self, channel: str, user: str) -> tuple[int, int] | None: ...


class AchievementCount(Protocol):
    """ACHIEVEMENTS SEAM: the number of achievements a user has earned, or None when unknown.
    The achievements feature provides it; ``Boards(achievements=...)`` wires it (see service.py)."""

    async def count(self, channel: str, user: str) -> int | None: ...


class VanityProfile(Protocol):
    """The announcer's vanity items (vanity_lookup.VanityLookup): title and line, or None when it is silent."""

    async def bits(self, channel: str, user: str) -> VanityBits | None: ...


METRICS_EVERY_SECONDS = 30.0  # the rank-distribution gauge is refreshed at most this often (one pass)


class Boards:
    def __init__(
        self,
        store: BoardsStore,
        presence: StreakLookup,
        gambling: GamblingRecord,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        metrics: LedgerMetrics,
        achievements: AchievementCount | None = None,
        vanity: VanityProfile | None = None,
    ) -> None:
        self._store = store
        self._presence = presence
        self._gambling = gambling
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self.achievements = achievements  # set by the wiring once achievements exist
        self.vanity = vanity  # the profile's vanity line (the announcer's shop); None: no line
        self._pruned_day = ""
        self._metrics_at: dict[str, float] = {}

    def _ignored(self) -> list[str]:
        cfg = self._config()
        return sorted({user_key(u) for u in (*cfg.ignored_users, cfg.bot.username, "[server]")})

    async def board(self, channel: str, category: str, limit: int = 10) -> Board:
        """One board; ``category`` must be canonical (board_rules.category_of)."""
        ignored = self._ignored()
        if category == RANKS:
            counts = await self._distribution(channel)
            return Board(RANKS, distribution={k: v for k, v in counts.items() if v > 0})
        if category == EARNERS:
            today = utc_day(self._clock.now())
            await self._prune(today)
            rows = await self._store.top_earners(channel, today, limit, ignored)
            return Board(EARNERS, [BoardRow(r.user, r.amount) for r in rows])
        column = {RICH: "balance", LIFETIME: "lifetime_earned"}[category]
        rows = await self._store.top_by(channel, column, limit, ignored)
        return Board(category, [BoardRow(r.user, r.amount, self._rank_name(r)) for r in rows])

    def _rank_name(self, s: Standing) -> str:
        ranks = self._config().ranks
        return ranks.tiers[rank_index(ranks, s.lifetime_earned, s.rank_floor)].name

    async def _distribution(self, channel: str) -> dict[str, int]:
        """Every tier's count (zeros included), and the gauge set from it."""
        ranks = self._config().ranks
        groups = await self._store.rank_groups(channel, [t.min_lifetime_earned for t in ranks.tiers], self._ignored())
        present = distribution(ranks, groups)
        counts = {t.name: present.get(t.name, 0) for t in ranks.tiers}
        self._metrics.observe_rank_distribution(channel, counts)
        self._metrics_at[channel] = time.monotonic()
        return counts

    async def refresh_metrics(self, channel: str) -> None:
        """At /health time: the rank-distribution gauge, at most every METRICS_EVERY_SECONDS."""
        if time.monotonic() - self._metrics_at.get(channel, -1e9) < METRICS_EVERY_SECONDS:
            return
        await self._distribution(channel)
        await self._prune(utc_day(self._clock.now()))

    async def _prune(self, today: str) -> None:
        """Drop old days of the daily earnings once per UTC day."""
        if self._pruned_day != today:
            await self._store.prune(oldest_kept(today))
            self._pruned_day = today

    async def profile(self, channel: str, name: str) -> Profile | None:
        """The profile of an existing account (case-insensitive), or None."""
        if is_system_account(name.strip()):
            return None
        found = await self._store.account(channel, name)
        if found is None:
            return None
        achievements, vanity = self.achievements, self.vanity
        streak, gambling, earned, bits = await asyncio.gather(
            self._presence.streak_days(channel, found.user),
            self._gambling.record(channel, found.user),
            achievements.count(channel, found.user) if achievements is not None else _none(),
            vanity.bits(channel, found.user) if vanity is not None else _none(),
        )
        games, net = gambling if gambling is not None else (None, 0)
        return Profile(user=found.user, rank_name=self._rank_name(found), balance=found.balance,
                       lifetime_earned=found.lifetime_earned, banned=found.banned, streak_days=streak,
                       gambling_games=games, gambling_net=net, achievements=earned,
                       title=bits.title if bits is not None else "", vanity=bits.line if bits is not None else "")


async def _none() -> None:
    return None
