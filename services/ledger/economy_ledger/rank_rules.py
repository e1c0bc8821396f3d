"""Pure rank rules (DECISIONS 5, 17): which tier a user holds, what crossing tiers means, progress.

A user's tier is the highest reached by ``lifetime_earned`` (earnings only), never below the admin
floor (``set_rank``). Tiers are detected by index, never by comparing names, so renaming a tier or
an admin floor never reads as a rank-up, and a user never moves down. ``reached`` is the highest
index a user has been told about; a posting that lifts the tier past it is a rank-up for every tier
crossed (one PM and one announcement, for the highest; the CyTube level is the best of every
crossed tier's, DECISIONS 18).
"""

from __future__ import annotations

from dataclasses import dataclass

from economy_shared.config.progression import RankPerks, RankSettings


def floor_index(ranks: RankSettings, floor: str | None) -> int:
    """The admin floor's tier index; 0 when none is set or the name is no longer a tier."""
    if not floor:
        return 0
    index = ranks.tier_index(floor)
    return index if index is not None else 0


def rank_index(ranks: RankSettings, lifetime_earned: int, floor: str | None = None) -> int:
    return max(ranks.index_for(lifetime_earned), floor_index(ranks, floor))


@dataclass(frozen=True)
class RankUp:
    """Tiers ``from_index`` (exclusive) to ``to_index`` (inclusive) were crossed by one posting."""

    from_index: int
    to_index: int
    rank_name: str
    cytube_level: int | None  # the best CyTube level among the crossed tiers, if any grants one


def rank_up(ranks: RankSettings, reached: int, new_index: int) -> RankUp | None:
    """A rank-up when ``new_index`` passes the highest tier the user was told about; else None."""
    if new_index <= reached:
        return None
    crossed = ranks.tiers[reached + 1 : new_index + 1]
    levels = [t.cytube_promotion for t in crossed if t.cytube_promotion is not None]
    return RankUp(reached, new_index, ranks.tiers[new_index].name, max(levels) if levels else None)


@dataclass(frozen=True)
class RankProgress:
    index: int
    name: str
    perks: RankPerks
    next_name: str | None  # None at the top tier
    next_at: int | None  # lifetime_earned needed for the next tier
    remaining: int  # Z of earnings still to go (0 at the top)
    percent: float  # progress from this tier's threshold to the next (100 at the top)


def progress(ranks: RankSettings, lifetime_earned: int, floor: str | None = None) -> RankProgress:
    """Where a user stands. Progress runs from the current tier's threshold, not from 0, so a fresh
    promotion shows 0% toward the next tier (the plan measured from 0 and showed 40% at once)."""
    index = rank_index(ranks, lifetime_earned, floor)
    tier = ranks.tiers[index]
    nxt = ranks.next_tier(index)
    if nxt is None:
        return RankProgress(index, tier.name, ranks.perks_at(index), None, None, 0, 100.0)
    start = min(tier.min_lifetime_earned, lifetime_earned)
    span = nxt.min_lifetime_earned - start
    done = max(0, lifetime_earned - start)
    percent = min(100.0, 100.0 * done / span) if span > 0 else 100.0
    remaining = max(0, nxt.min_lifetime_earned - lifetime_earned)
    return RankProgress(index, tier.name, ranks.perks_at(index), nxt.name, nxt.min_lifetime_earned, remaining,
                        percent)


def bar(percent: float, width: int = 20) -> str:
    filled = max(0, min(width, int(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def discounted(price: int, discount_percent: int) -> int:
    """A price after the rank discount: rounded down (in the user's favour), never free when priced."""
    if price <= 0:
        return 0
    return max(1, price * (100 - discount_percent) // 100)
