"""Admin identity and operations: digests, snapshots, reload and the public API (sprint 8; ledger)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Section
from .fields import UtcHour, check_template


class AdminSettings(Section):
    # CyTube rank at or above which a user may run admin commands (from the robot userlist, DECISIONS 22).
    owner_level: int = Field(default=4, ge=0, le=255)
    # Always admins, whatever their CyTube rank (case-insensitive).
    usernames: list[str] = Field(default_factory=list)


USER_DIGEST_FIELDS = (
    "user",
    "earned",
    "spent",
    "balance",
    "currency",
    "symbol",
    "rank",
    "streak",
    "next_goal",
)


class UserDigestSettings(Section):
    """Daily PM to each user who was active yesterday (quiet users are skipped)."""

    enabled: bool = True
    send_hour_utc: UtcHour = 4
    # {next_goal} is e.g. "Gaffer (3,200 Z away, ~4 days)" or a max-rank line.
    message: str = (
        "📊 Yesterday: +{earned} {symbol} earned, -{spent} {symbol} spent. "
        "Balance {balance} {symbol} · Rank {rank} · Streak {streak} days. Next: {next_goal}"
    )

    @field_validator("message")
    @classmethod
    def _template(cls, v: str) -> str:
        return check_template(v, USER_DIGEST_FIELDS)


class AdminDigestSettings(Section):
    """Weekly economy summary PM'd to the admins (admin.usernames and present rank >= owner_level)."""

    enabled: bool = True
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    send_hour_utc: UtcHour = 5
    # The report covers this many whole UTC days before the send day.
    window_days: int = Field(default=7, ge=1, le=31)


class DigestSettings(Section):
    user_digest: UserDigestSettings = Field(default_factory=UserDigestSettings)
    admin_digest: AdminDigestSettings = Field(default_factory=AdminDigestSettings)


class SnapshotSettings(Section):
    """Periodic per-channel economy snapshots (circulation, median balance, participation)."""

    enabled: bool = True
    interval_hours: int = Field(default=6, ge=1, le=168)
    # Snapshots older than this are deleted (0 = keep forever).
    keep_days: int = Field(default=0, ge=0)


class JournalSettings(Section):
    """Ledger journal retention: old rows of high-volume triggers are folded into one row per account,
    trigger and UTC day. Sums (and so every balance) are unchanged; only the per-minute detail goes."""

    # Fold rows older than this many days (0 = never fold; keep every row forever).
    rollup_after_days: int = Field(default=30, ge=0)
    # Which trigger ids are folded (the presence tick writes one row per user per minute).
    rollup_triggers: list[str] = Field(default_factory=lambda: ["presence.base"])


class ReloadSettings(Section):
    """``reload``: the ledger validates the file, then asks every service to swap its config."""

    # How long to wait for each service to confirm; a service that does not answer is named in the reply.
    service_timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class ApiSettings(Section):
    """The public ``kryten.economy.command`` subject (DECISIONS 24)."""

    # Admin commands (admin.grant, admin.ban, admin.reload, ...) are refused on the public subject
    # unless this is on; restrict the subject with NATS permissions before enabling it (deploy/nats/).
    allow_admin_commands: bool = False
