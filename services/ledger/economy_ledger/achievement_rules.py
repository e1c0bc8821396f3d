"""Pure achievement rules (DECISIONS 5, 6): which achievements a set of stat values meets, and the
words of the ``achievements`` reply. No I/O; every value a condition type names is passed in.

A condition is met when the user's value for its type is >= its threshold. The ledger holds some
values itself (LEDGER_STATS); the services that own the others report them (REPORTED_STATS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from economy_shared.config.progression import Achievement

LEDGER_STATS = frozenset({"lifetime_earned", "lifetime_spent", "rank_reached",
                          "unique_tip_recipients", "unique_tip_senders", "lifetime_gambled"})
REPORTED_STATS = frozenset({"lifetime_messages", "lifetime_presence_hours", "daily_streak",
                            "unique_emotes_used_lifetime", "lifetime_gambled", "gambling_biggest_win"})


# The ledger's own counters behind the condition types that read them (accounts columns).
COUNTER_STATS = {"lifetime_earned": "lifetime_earned", "lifetime_spent": "lifetime_spent",
                 "lifetime_gambled": "lifetime_gambled_in"}
TIP_STATS = frozenset({"unique_tip_recipients", "unique_tip_senders"})


@dataclass(frozen=True)
class Watch:
    """Which postings may meet a ledger-held condition, so the posting path hands the achievement
    worker only those accounts (a presence tick of 10,000 users crosses almost no threshold)."""

    thresholds: Mapping[str, tuple[float, ...]]  # accounts column -> thresholds of its condition types
    rank_thresholds: tuple[float, ...]
    tips: bool

    @classmethod
    def of(cls, achievements: Iterable[Achievement]) -> Watch:
        by_column: dict[str, list[float]] = {}
        ranks: list[float] = []
        tips = False
        for a in achievements:
            kind, th = a.condition.type, a.condition.threshold
            if kind in COUNTER_STATS:
                by_column.setdefault(COUNTER_STATS[kind], []).append(th)
            elif kind == "rank_reached":
                ranks.append(th)
            elif kind in TIP_STATS:
                tips = True
        return cls({c: tuple(sorted(t)) for c, t in by_column.items()}, tuple(sorted(ranks)), tips)

    def may_meet(self, before: Mapping[str, int], deltas: Mapping[str, int], rank_before: int | None,
                 rank_after: int | None, transfer: bool) -> bool:
        """True when this posting moved a counter across a threshold, raised the rank across one, or
        was a tip while a tip condition exists."""
        if transfer and self.tips:
            return True
        for column, thresholds in self.thresholds.items():
            delta = deltas.get(column, 0)
            if delta > 0:
                old = before.get(column, 0)
                if any(old < th <= old + delta for th in thresholds):
                    return True
        if rank_after is not None and rank_before is not None and rank_after > rank_before:
            return any(rank_before < th <= rank_after for th in self.rank_thresholds)
        return False


def reported_crossing(achievements: Iterable[Achievement], before: Mapping[str, float],
                      reported: Mapping[str, float]) -> bool:
    """Whether a report moves a stored value (which never goes down) across a threshold — the only
    reports worth an evaluation, so a crowd's presence hours do not cost a check per user per tick."""
    for a in achievements:
        kind = a.condition.type
        if kind in reported:
            old = before.get(kind, 0.0)
            if old < a.condition.threshold <= max(old, reported[kind]):
                return True
    return False


def newly_met(achievements: Iterable[Achievement], values: Mapping[str, float],
              earned: Iterable[str]) -> list[Achievement]:
    """The achievements not yet earned whose condition the values meet, in config order."""
    have = set(earned)
    return [a for a in achievements
            if a.id not in have and values.get(a.condition.type, 0) >= a.condition.threshold]


def bar(value: float, threshold: float, width: int = 10) -> str:
    pct = 0.0 if threshold <= 0 else min(100.0, value / threshold * 100)
    filled = max(0, min(width, int(pct / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def _num(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


def unlocked_pm(a: Achievement, symbol: str) -> str:
    """The PM for one unlock; "+N Z" only when the reward is not 0 (sprint6 §9 E19)."""
    text = f"🏆 Achievement unlocked: {a.description or a.id}"
    return text + (f" (+{a.reward:,} {symbol})" if a.reward > 0 else "")


def listing(achievements: list[Achievement], earned: Mapping[str, int], values: Mapping[str, float]) -> str:
    """The ``achievements`` reply: earned ones with their UTC date, progress of visible unearned ones,
    and how many hidden ones remain, never naming them."""
    lines = ["🏆 Your achievements"]
    by_id = {a.id: a for a in achievements}
    if earned:
        lines.append("Earned:")
        for aid, ms in sorted(earned.items(), key=lambda kv: (kv[1], kv[0])):
            day = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
            a = by_id.get(aid)
            lines.append(f"✅ {(a.description or a.id) if a else aid} ({day})")
    todo = [a for a in achievements if a.id not in earned and not a.hidden]
    if todo:
        lines.append("In progress:")
        for a in todo:
            v = values.get(a.condition.type, 0)
            lines.append(f"{bar(v, a.condition.threshold)} {a.description or a.id} "
                         f"({_num(min(v, a.condition.threshold))}/{_num(a.condition.threshold)})")
    hidden = sum(1 for a in achievements if a.id not in earned and a.hidden)
    if hidden:
        lines.append(f"🔒 {hidden} hidden achievement(s) remaining")
    if len(lines) == 1:
        lines.append("No achievements yet.")
    return "\n".join(lines)
