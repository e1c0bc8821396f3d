"""What a run says about the economy's health: money supply per week, distribution, ranks, queueing,
where Z come from and where they go, and what every game returned. Pure: reads a finished ``World``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from .world import World


@dataclass(frozen=True)
class Week:
    week: int  # 1-based
    days: int  # 7, or fewer for the run's last, partial week
    supply: int  # at the end of the week (or of the run, for a last partial week)
    added: int  # Z the week added
    growth_percent: float | None  # of the supply at the week's start; None for the first week (from 0)


@dataclass(frozen=True)
class Report:
    users: int
    days: int
    seed: int
    weeks: list[Week]
    supply: int
    median_balance: float
    gini: float
    ranks: dict[str, int]
    first_queue_days: list[int]  # days from a user's first visit to their first paid queue
    seen: int  # users who showed up at least once
    sources: dict[tuple[str, str], int]  # (kind, trigger) -> Z in
    sinks: dict[tuple[str, str], int]  # (kind, trigger) -> Z out (positive numbers)
    games: dict[str, tuple[int, int]]  # game -> (wagered, paid out)
    journal_rows: int
    audit: list[str]
    crowd: float = 0.0  # users present in an average minute
    boosted_share: float = 0.0  # of presence minutes, the share under an earning multiplier
    mean_boost: float = 1.0  # the average multiplier over presence minutes

    @property
    def conserved(self) -> bool:
        """Sources less sinks is exactly the change in supply (from 0), and every journal sums to its balance."""
        return sum(self.sources.values()) - sum(self.sinks.values()) == self.supply and not self.audit

    def house_edge(self, game: str) -> float:
        """1 - paid out / wagered; games without a wager (the free spin) have none."""
        wagered, paid = self.games[game]
        return 1 - paid / wagered if wagered else float("nan")

    def growth(self, from_week: int = 2) -> list[float]:
        """Growth % of every full week from ``from_week`` on (the first week starts from 0: it has none)."""
        return [w.growth_percent for w in self.weeks
                if w.week >= from_week and w.days == 7 and w.growth_percent is not None]


def gini(values: Sequence[int]) -> float:
    """0 = everyone holds the same, 1 = one user holds everything (sorted-rank formula)."""
    xs = sorted(max(0, v) for v in values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def build(world: World, seed: int) -> Report:
    snaps = world.snapshots
    weeks: list[Week] = []
    before = 0
    for w, end in enumerate(range(6, len(snaps) + 6, 7), start=1):
        snap = snaps[min(end, len(snaps) - 1)]
        growth = None if before <= 0 else 100 * (snap.supply - before) / before
        weeks.append(Week(w, min(end, len(snaps) - 1) - (w - 1) * 7 + 1, snap.supply, snap.supply - before, growth))
        before = snap.supply
    last = snaps[-1]
    sources, sinks = dict(world.book.inflows), dict(world.book.outflows)
    seen = [p for p in world.people if p.first_seen is not None]
    return Report(
        users=len(world.people), days=len(snaps), seed=seed, weeks=weeks, supply=world.book.supply,
        median_balance=median(last.balances) if last.balances else 0.0, gini=gini(last.balances),
        ranks={t.name: last.ranks.get(t.name, 0) for t in world.cfg.ranks.tiers},
        first_queue_days=sorted(p.first_queue_day - (p.first_day or 0) for p in seen if p.first_queue_day is not None),
        seen=len(seen), sources=sources, sinks=sinks,
        games={g: (w_, o) for g, (w_, o) in sorted(world.spend.games.items())},
        journal_rows=world.book.rows(), audit=world.book.audit(),
        crowd=world.user_minutes / (len(snaps) * 1440),
        boosted_share=world.boosted_minutes / world.user_minutes if world.user_minutes else 0.0,
        mean_boost=world.factor_sum / world.user_minutes if world.user_minutes else 1.0,
    )


def _grouped(rows: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """``streak.day2``, ``streak.day3`` … as one ``streak.dayN`` line."""
    out: dict[tuple[str, str], int] = {}
    for (kind, trigger), z in rows.items():
        key = (kind, re.sub(r"^streak\.day\d+$", "streak.dayN", trigger))
        out[key] = out.get(key, 0) + z
    return out


def _table(rows: dict[tuple[str, str], int], total: int) -> list[str]:
    out = []
    for (kind, trigger), z in sorted(_grouped(rows).items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"  {trigger:<34} {kind:<9} {z:>12,} Z  {100 * z / total if total else 0:5.1f} %")
    return out


def render(r: Report) -> str:
    lines = [f"Economy simulation: {r.users} users x {r.days} days, seed {r.seed}", "",
             "Money supply (sum of balances) per week:"]
    for w in r.weeks:
        g = "      n/a (from 0)" if w.growth_percent is None else f"{w.growth_percent:+9.1f} %"
        part = "" if w.days == 7 else f"  (partial: {w.days} days)"
        lines.append(f"  week {w.week}: {w.supply:>12,} Z   +{w.added:,} Z  growth {g}{part}")
    q = r.first_queue_days
    lines += [
        "",
        f"Users seen: {r.seen}; median balance {r.median_balance:,.0f} Z; Gini {r.gini:.3f}",
        f"Crowd: {r.crowd:.1f} users present in an average minute; {100 * r.boosted_share:.0f} % of presence "
        f"minutes under a multiplier (mean x{r.mean_boost:.2f})",
        "Rank distribution: " + ", ".join(f"{name} {n}" for name, n in r.ranks.items() if n),
        f"Time to first queue: {len(q)} of {r.seen} users queued"
        + (f"; median {median(q):.0f} days, fastest {q[0]}, slowest {q[-1]}" if q else ""),
        "",
        "Games (wagered -> paid out, house edge):",
    ]
    for game, (wagered, paid) in r.games.items():
        edge = f"{100 * r.house_edge(game):5.1f} %" if wagered else "  (no wager: a pure source)"
        lines.append(f"  {game:<10} {wagered:>12,} Z -> {paid:>12,} Z   edge {edge}")
    z_in, z_out = sum(r.sources.values()), sum(r.sinks.values())
    net: dict[str, int] = {}
    for rows, sign in ((r.sources, 1), (r.sinks, -1)):
        for (kind, _), z in rows.items():
            kind = "gambling" if kind in ("wager", "payout") else kind
            net[kind] = net.get(kind, 0) + sign * z
    lines += ["", "Net by kind: " + ", ".join(f"{k} {v:+,} Z" for k, v in sorted(net.items(), key=lambda kv: -kv[1]))]
    lines += ["", f"Sources ({z_in:,} Z in):", *_table(r.sources, z_in),
              f"Sinks ({z_out:,} Z out):", *_table(r.sinks, z_out), "",
              f"Conservation: sources - sinks = {z_in - z_out:,} Z; supply = {r.supply:,} Z; "
              f"{r.journal_rows:,} journal rows; audit {'OK' if not r.audit else 'FAILED: ' + '; '.join(r.audit[:3])}"]
    return "\n".join(lines)
