"""Economy reports (sprint 8 §1.4, §3, §4): stats, health and snapshots, for PM and ``kryten.economy.command``.

One shape per report: the ledger's use case returns these and the public subject returns them as ``data``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result


class Flows(Result):
    """Z moved in a window, from the journal (DECISIONS 5 kinds; system accounts left out)."""

    earned: int = 0  # kind earn
    spent: int = 0  # spends minus refunds
    gambled_in: int = 0  # net stakes (wagers taken minus stakes returned)
    gambled_out: int = 0  # payouts


class Snapshot(Result):
    channel: str
    slot_ms: int  # start of the wall-clock slot (00:00, 06:00, ... UTC for 6 h)
    taken_ms: int
    interval_hours: int
    circulation: int
    accounts: int
    present: int | None  # None: presence did not answer
    median_balance: int
    flows: Flows  # in the slot before this one (the window ending at slot_ms)


class EconomyStats(Result):
    channel: str
    day: str
    circulation: int
    accounts: int
    today: Flows
    active_today: int
    top_earner: str | None = None
    top_earned: int = 0
    latest_snapshot_ms: int | None = None
    circulation_delta: int | None = None  # now minus the latest snapshot
    accounts_delta: int | None = None


class EconomyHealth(Result):
    channel: str
    present: int | None  # None: presence did not answer
    present_with_accounts: int | None
    participation_percent: float | None  # present users with accounts / present users x 100
    median_balance: int
    circulation: int
    circulation_delta: int | None  # vs the latest snapshot
    trend: Literal["rising", "falling", "flat", "unknown"]
    audit_ok: bool
    audit_mismatches: int = 0


class EconomyStatsRequest(Request):
    command: Literal["economy.stats"] = "economy.stats"


class EconomyHealthRequest(Request):
    command: Literal["economy.health"] = "economy.health"


class EconomySnapshotRequest(Request):
    """The latest snapshot, or the one whose slot holds ``at_ms`` (epoch ms) / starts at ``slot_ms``."""

    command: Literal["economy.snapshot"] = "economy.snapshot"
    slot_ms: int | None = Field(default=None, ge=0)
    at_ms: int | None = Field(default=None, ge=0)


class SnapshotReply(Result):
    found: bool
    snapshot: Snapshot | None = None
