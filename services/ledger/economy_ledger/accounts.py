"""The one account view: built once from an account row, used by PM ``balance``, ``ledger.balance``
and the public ``balance.get`` alike, so the three can never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.schemas.ledger import AccountView

from .rank_rules import rank_index


def account_view(config: EconomyConfig, name: str, row: Mapping[str, Any] | None) -> AccountView:
    """``row`` is an ``accounts`` row (or None: no account, shown at the first rank with nothing)."""
    if row is None:
        return AccountView(found=False, user=name, rank_name=config.ranks.tiers[0].name)
    return AccountView(
        found=True,
        user=row["display_name"],
        balance=row["balance"],
        lifetime_earned=row["lifetime_earned"],
        lifetime_spent=row["lifetime_spent"],
        lifetime_gambled_in=row["lifetime_gambled_in"],
        lifetime_gambled_out=row["lifetime_gambled_out"],
        tips_sent=row["tips_sent"],
        tips_received=row["tips_received"],
        rank_name=config.ranks.tiers[rank_index(config.ranks, row["lifetime_earned"], row.get("rank_floor"))].name,
        banned=bool(row["banned"]),
        first_seen_ms=row["created_ms"],
    )
