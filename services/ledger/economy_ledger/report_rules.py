"""Pure rules of the economy reports (sprint 8 §1.4, §1.6, §1.7, §3): slots, due periods, figures, wording.

- Snapshots are taken per wall-clock slot of ``snapshots.interval_hours`` counted from the epoch
  (00:00, 06:00, 12:00, 18:00 UTC for 6 h); the slot's start is its unique id per channel.
- Participation has one definition everywhere (sprint 8 §9.8): present users holding an account ÷
  present users × 100; None when presence cannot tell or nobody is here.
- A digest period is due from its send hour: the user digest's day D (covering D-1) from
  ``send_hour_utc`` on D; the admin digest's week from ``weekday`` at ``send_hour_utc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from economy_shared.config import EconomyConfig
from economy_shared.schemas.reports import EconomyHealth, EconomyStats, Flows

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def slot_start(now: datetime, interval_hours: int) -> datetime:
    """The start of the slot ``now`` falls in (aligned to the epoch, so to 00:00 UTC when 24 % interval == 0)."""
    seconds = interval_hours * 3600
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=UTC)


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def flows_from_sums(sums: dict[str, int]) -> Flows:
    """Journal sums by kind (non-system accounts) → the report's flows (DECISIONS 5)."""
    return Flows(
        earned=sums.get("earn", 0),
        spent=-sums.get("spend", 0) - sums.get("refund", 0),
        gambled_in=-sums.get("wager", 0),
        gambled_out=sums.get("payout", 0),
    )


def median(values: list[int]) -> int:
    """The median balance; with an even count, the lower of the two middle values' mean (floored)."""
    if not values:
        return 0
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) // 2


def participation(present_with_accounts: int | None, present: int | None) -> float | None:
    if present is None or present_with_accounts is None or present == 0:
        return None
    return round(100.0 * present_with_accounts / present, 1)


Trend = Literal["rising", "falling", "flat", "unknown"]


def trend(delta: int | None) -> Trend:
    if delta is None:
        return "unknown"
    return "rising" if delta > 0 else "falling" if delta < 0 else "flat"


def due_digest_day(now: datetime, hour: int) -> date:
    """The user digest due now: today's from ``hour``, else yesterday's (each covers the day before it)."""
    today = now.date()
    return today if now.hour >= hour else today - timedelta(days=1)


def due_week(now: datetime, weekday: str, hour: int) -> date:
    """The latest send day (``weekday`` at ``hour``) at or before ``now``."""
    today = now.date()
    back = (today.weekday() - WEEKDAYS.index(weekday)) % 7
    send = today - timedelta(days=back)
    if back == 0 and now.hour < hour:
        send -= timedelta(days=7)
    return send


def signed(n: int) -> str:
    return f"{n:+,}"


# ---- wording (PM replies and digests; every line stays well under 240 characters) ---------------


def stats_text(cfg: EconomyConfig, s: EconomyStats) -> str:
    sym = cfg.currency.symbol
    t = s.today
    lines = [
        f"📊 Economy {s.channel} · {s.day} (UTC)",
        f"Circulation: {s.circulation:,} {sym} · Accounts: {s.accounts:,} · Active today: {s.active_today:,}",
        f"Today: earned {t.earned:,} · spent {t.spent:,} · gambled in {t.gambled_in:,} / out {t.gambled_out:,} "
        f"(net {signed(t.gambled_out - t.gambled_in)}) {sym}",
    ]
    if s.top_earner:
        lines.append(f"Top earner today: {s.top_earner} (+{s.top_earned:,} {sym})")
    if s.circulation_delta is not None:
        lines.append(f"Since the last snapshot: circulation {signed(s.circulation_delta)} {sym}, "
                     f"accounts {signed(s.accounts_delta or 0)}")
    else:
        lines.append("No snapshot yet.")
    return "\n".join(lines)


def health_text(cfg: EconomyConfig, h: EconomyHealth) -> str:
    sym = cfg.currency.symbol
    if h.participation_percent is None:
        part = "Participation: unknown (presence did not answer)" if h.present is None else \
            "Participation: nobody present"
    else:
        part = (f"Participation: {h.participation_percent:.1f}% "
                f"({h.present_with_accounts} of {h.present} present users hold an account)")
    delta = "no snapshot yet" if h.circulation_delta is None else \
        f"{signed(h.circulation_delta)} {sym} since the last snapshot, {h.trend}"
    audit = "✅ ok (balance == SUM(journal))" if h.audit_ok else f"❌ NOT ok ({h.audit_mismatches} mismatches)"
    return "\n".join([
        f"🩺 Economy health {h.channel}",
        part,
        f"Median balance: {h.median_balance:,} {sym}",
        f"Circulation: {h.circulation:,} {sym} ({delta})",
        f"Ledger audit: {audit}",
    ])


@dataclass(frozen=True)
class UserDigest:
    user: str
    earned: int
    spent: int
    balance: int
    rank: str
    next_name: str | None
    remaining: int
    streak: int


def next_goal(cfg: EconomyConfig, d: UserDigest) -> str:
    """"Gaffer (3,200 Z away, ~4 days)" at yesterday's pace (ceil), or the top-rank line."""
    if d.next_name is None:
        return "🏆 top rank reached"
    pace = max(1, d.earned)
    days = max(1, -(-d.remaining // pace))
    return f"{d.next_name} ({d.remaining:,} {cfg.currency.symbol} away, ~{days} day{'s' if days != 1 else ''})"


def user_digest_text(cfg: EconomyConfig, d: UserDigest) -> str:
    return cfg.digest.user_digest.message.format(
        user=d.user, earned=f"{d.earned:,}", spent=f"{d.spent:,}", balance=f"{d.balance:,}",
        currency=cfg.currency.plural, symbol=cfg.currency.symbol, rank=d.rank, streak=d.streak,
        next_goal=next_goal(cfg, d),
    )


@dataclass(frozen=True)
class WeekReport:
    channel: str
    start: date  # inclusive
    end: date  # exclusive (the send day)
    flows: Flows
    circulation: int
    circulation_change: int | None  # circulation now minus the first snapshot in the window
    new_accounts: int
    top_earners: list[tuple[str, int]]


def admin_digest_text(cfg: EconomyConfig, w: WeekReport) -> str:
    sym = cfg.currency.symbol
    f = w.flows
    change = "unknown (no snapshot in the window)" if w.circulation_change is None else \
        f"{signed(w.circulation_change)} {sym}"
    lines = [
        f"📰 Weekly economy digest {w.channel}: {w.start.isoformat()} → {(w.end - timedelta(days=1)).isoformat()}",
        f"Earned {f.earned:,} · spent {f.spent:,} · gambled in {f.gambled_in:,} / out {f.gambled_out:,} {sym}",
        f"Circulation {w.circulation:,} {sym} (change {change}) · New accounts: {w.new_accounts:,}",
    ]
    if w.top_earners:
        lines.append("Top earners: " + ", ".join(f"{i}. {u} {z:,}" for i, (u, z) in enumerate(w.top_earners, 1)))
    return "\n".join(lines)
