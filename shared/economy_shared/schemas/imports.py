"""Moving in from the original kryten-economy (issue 14): what each owner is asked to take over.

The operator CLI (``kryten-economy import-original``) reads the original's SQLite file and sends each
part to the service that owns it, never into another service's database:

- ``ledger.import_accounts``: one opening posting per account (kind admin, trigger
  ``import.opening_balance``), lifetime counters added as counters (no journal rows), the original rank
  kept as a floor, bans, awarded achievements (never paid again, never announced);
- ``ledger.import_bounties``: open bounties, their amount escrowed in ``~escrow:bounties``;
- ``presence.import_members``: streaks and whether the welcome wallet was already paid;
- ``announcer.import_vanity``: greeting, title, colour, GIF (approved or still pending), personal currency
  name, quiet mode.

Every entry is imported once per (channel, user) — or (channel, original bounty id) — keyed by a hash of
the entry: the same entry again is ``already`` and changes nothing; a different entry for a user already
imported is ``conflict`` and changes nothing (the original changed after the first run). ``dry_run``
answers what would happen and writes nothing. Batches stay well under NATS's 1 MB payload.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, StrictModel, UserName

IMPORT_BATCH_MAX = 500
SOURCE_DEFAULT = "kryten-economy 0.16"

ImportStatus = Literal["imported", "already", "conflict", "refused", "would_import"]
Day = str  # "YYYY-MM-DD" (UTC)


class ImportOutcome(Result):
    """One entry's fate. ``ref`` is the user (display name) or the original bounty id."""

    ref: str
    status: ImportStatus
    detail: str = ""  # one line: why refused / what conflicts
    skipped: list[str] = Field(default_factory=list)  # parts not taken over, each "<part>: <why>"


class ImportBatchResult(Result):
    outcomes: list[ImportOutcome]


# ---- ledger ------------------------------------------------------------------------------------------
class ImportedAchievement(StrictModel):
    id: str = Field(min_length=1, max_length=80)
    awarded_ms: int | None = None


class ImportedAccount(StrictModel):
    user: UserName  # the original's display casing
    balance: int = Field(ge=0, lt=10**15)
    lifetime_earned: int = Field(default=0, ge=0, lt=10**15)
    lifetime_spent: int = Field(default=0, ge=0, lt=10**15)
    lifetime_gambled_in: int = Field(default=0, ge=0, lt=10**15)
    lifetime_gambled_out: int = Field(default=0, ge=0, lt=10**15)
    tips_sent: int = Field(default=0, ge=0, lt=10**15)
    tips_received: int = Field(default=0, ge=0, lt=10**15)
    # the original's rank name: kept as a floor when it is a tier here above what lifetime_earned reaches
    rank_name: str | None = Field(default=None, max_length=80)
    banned: bool = False
    ban_reason: str = Field(default="", max_length=200)
    first_seen_ms: int | None = None
    achievements: list[ImportedAchievement] = Field(default_factory=list, max_length=500)


class ImportAccountsRequest(Request):
    """Idempotency key per account: ``import:<channel>:<user key>``."""

    command: Literal["ledger.import_accounts"] = "ledger.import_accounts"
    source: str = Field(default=SOURCE_DEFAULT, max_length=100)
    accounts: list[ImportedAccount] = Field(min_length=1, max_length=IMPORT_BATCH_MAX)
    dry_run: bool = False


class ImportedBounty(StrictModel):
    original_id: int = Field(ge=1, lt=10**15)
    creator: UserName
    description: str = Field(max_length=2000)
    amount: int = Field(ge=1, lt=10**15)
    created_ms: int
    expires_ms: int | None = None  # None: the configured expiry counted from created_ms


class ImportBountiesRequest(Request):
    """Key per bounty: ``import-bounty:<channel>:<original id>``; the escrow is an admin posting."""

    command: Literal["ledger.import_bounties"] = "ledger.import_bounties"
    source: str = Field(default=SOURCE_DEFAULT, max_length=100)
    bounties: list[ImportedBounty] = Field(min_length=1, max_length=IMPORT_BATCH_MAX)
    dry_run: bool = False


# ---- presence ----------------------------------------------------------------------------------------
class ImportedMember(StrictModel):
    user: UserName
    current_streak: int = Field(default=0, ge=0, lt=100_000)
    longest_streak: int = Field(default=0, ge=0, lt=100_000)
    last_streak_day: Day | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    welcome_claimed: bool = False  # the original paid the welcome wallet: never pay it again


class ImportMembersRequest(Request):
    command: Literal["presence.import_members"] = "presence.import_members"
    members: list[ImportedMember] = Field(min_length=1, max_length=IMPORT_BATCH_MAX)
    dry_run: bool = False


# ---- announcer ---------------------------------------------------------------------------------------
class ImportedPendingGif(StrictModel):
    """A GIF paid for in the original and still waiting for an admin: approve keeps it, reject refunds."""

    url: str = Field(min_length=1, max_length=2000)
    cost: int = Field(ge=0, lt=10**15)
    created_ms: int | None = None


class ImportedVanity(StrictModel):
    """Empty / None: the user did not own that item. Values are checked like a purchase would be."""

    user: UserName
    greeting: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=2000)
    color: str | None = Field(default=None, max_length=200)  # a palette name or #rrggbb
    gif_url: str | None = Field(default=None, max_length=2000)  # approved
    currency_name: str | None = Field(default=None, max_length=2000)
    quiet: bool = False
    pending_gif: ImportedPendingGif | None = None


class ImportVanityRequest(Request):
    command: Literal["announcer.import_vanity"] = "announcer.import_vanity"
    users: list[ImportedVanity] = Field(min_length=1, max_length=IMPORT_BATCH_MAX)
    dry_run: bool = False
