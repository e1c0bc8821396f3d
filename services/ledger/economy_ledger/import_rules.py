"""Pure rules of moving in from the original kryten-economy (issue 14): keys, fingerprints, decisions, wording.

Every entry is imported once per key (``import:<chan>:<user>``, ``import-bounty:<chan>:<original id>``),
remembered with a fingerprint of the entry in the ledger's ``requests`` table, as postings are: the same
entry again is ``already`` (nothing changes), a different entry under a used key is ``conflict`` with a
line naming what differs (the original changed after the first run; nothing changes either). The
fingerprint leaves out the display casing of names and the ``source`` label, and sorts achievements,
so a rerun of the same data never reads as a change (the first-import-wins rule itself, shared with
presence and announcer: economy_shared.import_marks). The money of a batch is ONE ledger request
(``import-opening:<chan>:<digest of what it pays>`` / ``import-escrow:...``) with one admin posting
per account or bounty: keyed by what it pays, and only ever built from entries no key has seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from economy_shared import import_marks
from economy_shared.channels import channel_key
from economy_shared.config.progression import RankSettings
from economy_shared.import_marks import Verdict, conflict_detail, digest, verdict
from economy_shared.sanitize import public_text
from economy_shared.schemas.imports import ImportedAccount, ImportedBounty
from economy_shared.schemas.ledger import Posting, PostingKind, PostRequest, is_system_account
from economy_shared.users import user_key

from .admin_rules import rank_floor_for
from .bounty_rules import ESCROW, clean_description, expires_ms
from .rank_rules import rank_index
from .rules import COUNTERS

OPENING_TRIGGER = "import.opening_balance"
BOUNTY_TRIGGER = "import.bounty"
NO_DESCRIPTION = "(no description)"


# ---- keys ----------------------------------------------------------------------------------------
def account_key(channel: str, user: str) -> str:
    return f"import:{channel_key(channel)}:{user_key(user)}"


def bounty_key(channel: str, original_id: int) -> str:
    return f"import-bounty:{channel_key(channel)}:{original_id}"


def _batch_key(prefix: str, channel: str, parts: Iterable[tuple[str, int]]) -> str:
    """The money request of one batch: keyed by what it pays, so the same payment can never be made twice
    (every entry in it has its own import key too, checked first)."""
    paid = hashlib.sha256(json.dumps(sorted(parts), separators=(",", ":")).encode()).hexdigest()[:32]
    return f"{prefix}:{channel_key(channel)}:{paid}"


# ---- fingerprints --------------------------------------------------------------------------------
def account_fingerprint(entry: ImportedAccount) -> dict[str, Any]:
    """The shared fingerprint with the achievements in one order (the original's order is no change)."""
    body = import_marks.fingerprint(entry)
    body["achievements"] = sorted(body["achievements"], key=lambda a: (a["id"], a["awarded_ms"] or 0))
    return body


def bounty_fingerprint(entry: ImportedBounty) -> dict[str, Any]:
    return import_marks.fingerprint(entry, user_field="creator")


# ---- decisions -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """What an import key holds already: the fingerprint's digest and the fingerprint itself."""

    digest: str
    fingerprint: dict[str, Any]


def judge(prior: Prior | None, fingerprint: dict[str, Any], dry_run: bool) -> Verdict:
    """First import wins (import_marks.verdict); a conflict names what differs from the stored fingerprint."""
    if prior is None:
        return verdict(None, "", dry_run, "")
    return verdict(prior.digest, digest(fingerprint), dry_run, conflict_detail(prior.fingerprint, fingerprint))


def refusal(name: str, seen: Collection[str]) -> Verdict | None:
    """A name this ledger keeps for itself, or one met earlier in the same batch."""
    if is_system_account(name):
        return Verdict("refused", f"{name[:64]} is a reserved system account name here")
    if user_key(name) in seen:
        return Verdict("refused", "appears earlier in this batch; only the first entry counts")
    return None


@dataclass(frozen=True)
class Holding:
    """An account as it stands here before the import (None fields: no account yet)."""

    lifetime_earned: int = 0
    rank_floor: str | None = None
    rank_reached: int | None = None


@dataclass(frozen=True)
class RankPlan:
    floor: str | None  # the floor to store; None leaves the account's floor as it is
    reached: int  # rank_reached afterwards (set silently: these users already had their rank)
    skipped: str | None = None


def plan_rank(ranks: RankSettings, rank_name: str | None, holding: Holding, earned: int) -> RankPlan:
    """The original rank becomes the floor when it is above the tier the combined lifetime reaches."""
    lifetime = holding.lifetime_earned + earned
    standing = rank_index(ranks, lifetime, holding.rank_floor)
    floor: str | None = None
    skipped: str | None = None
    if rank_name:
        index = ranks.tier_index(rank_name)
        if index is None:
            skipped = f"rank: {rank_name[:40]!r} is not a tier here"
        elif index > standing:
            floor = rank_floor_for(ranks, ranks.tiers[index].name)
    after = rank_index(ranks, lifetime, floor or holding.rank_floor)
    return RankPlan(floor, max(holding.rank_reached or 0, after), skipped)


@dataclass
class AccountPlan:
    """One entry's outcome and, when imported, what it writes."""

    entry: ImportedAccount
    key: str
    fingerprint: dict[str, Any]
    verdict: Verdict
    skipped: list[str] = field(default_factory=list)
    rank: RankPlan | None = None
    achievements: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.verdict.status == "imported"

    def counters(self) -> tuple[int, ...]:
        return tuple(int(getattr(self.entry, c)) for c in COUNTERS)


def plan_account(channel: str, entry: ImportedAccount, prior: Prior | None, holding: Holding,
                 ranks: RankSettings, configured: Collection[str], seen: Collection[str],
                 dry_run: bool) -> AccountPlan:
    fingerprint = account_fingerprint(entry)
    key = account_key(channel, entry.user)
    refused = refusal(entry.user, seen)
    if refused is not None:
        return AccountPlan(entry, key, fingerprint, refused)
    plan = AccountPlan(entry, key, fingerprint, judge(prior, fingerprint, dry_run))
    if plan.verdict.status == "conflict":
        return plan
    plan.rank = plan_rank(ranks, entry.rank_name, holding, entry.lifetime_earned)
    if plan.rank.skipped:
        plan.skipped.append(plan.rank.skipped)
    for a in entry.achievements:
        if a.id in configured:
            plan.achievements.append((a.id, a.awarded_ms))
        else:
            plan.skipped.append(f"achievement {a.id[:40]}: not configured here")
    return plan


@dataclass
class BountyPlan:
    entry: ImportedBounty
    key: str
    fingerprint: dict[str, Any]
    verdict: Verdict
    description: str = ""
    expires_ms: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return self.verdict.status == "imported"


def plan_bounty(channel: str, entry: ImportedBounty, prior: Prior | None, seen: Collection[int],
                max_length: int, expiry_hours: int, dry_run: bool) -> BountyPlan:
    """The description goes through the same sanitising as ``bounty`` (DECISIONS 20); the money was
    already taken from the creator in the original, so a long or empty description is kept, not refused."""
    fingerprint = bounty_fingerprint(entry)
    key = bounty_key(channel, entry.original_id)
    if is_system_account(entry.creator):
        return BountyPlan(entry, key, fingerprint,
                          Verdict("refused", f"{entry.creator[:64]} is a reserved system account name here"))
    if entry.original_id in seen:
        return BountyPlan(entry, key, fingerprint,
                          Verdict("refused", "appears earlier in this batch; only the first entry counts"))
    plan = BountyPlan(entry, key, fingerprint, judge(prior, fingerprint, dry_run))
    if plan.verdict.status == "conflict":
        return plan
    text = clean_description(entry.description)
    if not text:
        text = NO_DESCRIPTION
        plan.skipped.append("description: empty once cleaned")
    elif len(text) > max_length:
        text = public_text(text, max_length)
        plan.skipped.append(f"description: shortened to {max_length} characters")
    plan.description = text
    plan.expires_ms = entry.expires_ms if entry.expires_ms is not None else expires_ms(entry.created_ms,
                                                                                        expiry_hours)
    return plan


# ---- money ---------------------------------------------------------------------------------------
def opening_request(channel: str, source: str, plans: list[AccountPlan]) -> PostRequest | None:
    """ONE admin posting per account with a balance (admin: not an earning, DECISIONS 5); None when no
    account of the batch has one."""
    paying = [p for p in plans if p.writes and p.entry.balance > 0]
    if not paying:
        return None
    paid = ((user_key(p.entry.user), p.entry.balance) for p in paying)
    return PostRequest(
        channel=channel, want_balances=False, idempotency_key=_batch_key("import-opening", channel, paid),
        postings=[Posting(user=p.entry.user, amount=p.entry.balance, kind=PostingKind.ADMIN, trigger_id=OPENING_TRIGGER,
                          reason=f"Opening balance from {source}"[:200], metadata={"source": source, "import": p.key})
                  for p in paying])


def escrow_request(channel: str, source: str, plans: list[tuple[BountyPlan, int]]) -> PostRequest:
    """ONE admin posting per imported bounty into ``~escrow:bounties`` (the creator paid in the original)."""
    held = ((str(p.entry.original_id), p.entry.amount) for p, _ in plans)
    return PostRequest(
        channel=channel, want_balances=False, idempotency_key=_batch_key("import-escrow", channel, held),
        postings=[Posting(user=ESCROW, amount=p.entry.amount, kind=PostingKind.ADMIN, trigger_id=BOUNTY_TRIGGER,
                          reason=f"Bounty #{bounty_id} imported from {source}"[:200],
                          related_user=p.entry.creator,
                          metadata={"bounty": bounty_id, "original_id": p.entry.original_id, "source": source})
                  for p, bounty_id in plans])
