"""First import wins: the one idempotent-import rule of issue 14 (semantics: schemas/imports.py).

Every service that takes entries over from the original kryten-economy remembers, per key ((channel,
user) or (channel, original bounty id)), a digest of the entry it imported. Asked again:

- no mark under the key: ``imported`` (``would_import`` on a dry run);
- the same digest: ``already`` — nothing changes;
- another digest: ``conflict`` — nothing changes either (the original changed after the first run).

The fingerprint is the entry as JSON with the user's name case-folded (a change of display casing alone
is the same entry); a service may normalise more before digesting (the ledger sorts achievements). What
each service imports and how (money, streaks, vanity items) stays in the service.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .schemas.imports import ImportStatus
from .users import user_key

_SHOWN_DIFFS = 3
_SHOWN_IDS = 5


def fingerprint(entry: BaseModel, user_field: str = "user") -> dict[str, Any]:
    """The entry as JSON, ``user_field`` (a user name) under the user's key."""
    body = entry.model_dump(mode="json")
    body[user_field] = user_key(getattr(entry, user_field))
    return body


def digest(fingerprint: Mapping[str, Any]) -> str:
    """sha256 of the fingerprint's canonical JSON (sorted keys, no spaces): the mark a service stores."""
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    status: ImportStatus
    detail: str = ""

    @property
    def new(self) -> bool:
        """No mark under the key yet: the entry is (or on a dry run would be) imported."""
        return self.status in ("imported", "would_import")


def verdict(stored_digest: str | None, new_digest: str, dry_run: bool, conflict_detail: str) -> Verdict:
    """already / conflict (with ``conflict_detail``) for a used key; otherwise imported (would_import on a dry run)."""
    if stored_digest is None:
        return Verdict("would_import" if dry_run else "imported")
    if stored_digest == new_digest:
        return Verdict("already")
    return Verdict("conflict", conflict_detail)


def changed_since(ref: str) -> str:
    """The conflict line of a service that keeps only the digest (it cannot say what differs)."""
    return f"{ref} was imported from a different entry (the original changed since); nothing changed"


def _shown(value: Any) -> str:
    if isinstance(value, list):  # e.g. achievements: their ids
        ids = [str(v.get("id")) if isinstance(v, dict) else str(v) for v in value]
        return "[" + ", ".join(ids[:_SHOWN_IDS]) + (", …" if len(ids) > _SHOWN_IDS else "") + "]"
    if isinstance(value, str):
        return repr(value[:40])
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def conflict_detail(before: Mapping[str, Any], now: Mapping[str, Any]) -> str:
    """The conflict line of a service that keeps the fingerprint:
    ``imported before with balance 120 (now 150); nothing changed``."""
    diffs = [f"{name} {_shown(before.get(name))} (now {_shown(now.get(name))})"
             for name in now if before.get(name) != now.get(name)]
    if not diffs:
        return "imported before from a different entry; nothing changed"
    more = f" and {len(diffs) - _SHOWN_DIFFS} more" if len(diffs) > _SHOWN_DIFFS else ""
    return f"imported before with {', '.join(diffs[:_SHOWN_DIFFS])}{more}; nothing changed"
