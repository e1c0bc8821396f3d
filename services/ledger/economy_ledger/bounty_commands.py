"""The ledger's PM words for bounties: ``bounty <amount> "<description>"``, ``bounty cancel <id>``,
``bounties`` and the admin ``claim_bounty <id> @winner`` (the router's admin gate, DECISIONS 22)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from . import bounty_rules as rules
from .bounties import Bounties, BountyDone
from .bounty_rules import BountyRefusal

mark_live("bounty", "bounties", "claim_bounty")


def cancelled_text(done: BountyDone, symbol: str) -> str:
    burned = done.amount - done.refund
    text = f"🗑️ Bounty #{done.id} cancelled. {done.refund:,} {symbol} back to you"
    text += f" ({burned:,} {symbol} burned)." if burned else "."
    if done.balance is not None:
        text += f" Your balance: {done.balance:,} {symbol}."
    return text


def claimed_text(done: BountyDone, symbol: str) -> str:
    return f"✅ Bounty #{done.id} claimed by {done.winner}: {done.amount:,} {symbol} awarded."


def register(pm: PmRouter, bounties: Bounties, config: Callable[[], EconomyConfig]) -> None:
    @pm.command("bounty")
    async def bounty_cmd(ctx: PmContext) -> str:
        if ctx.args and ctx.args[0].lower() == "cancel":
            return await _cancel(ctx)
        cfg = config()
        if not cfg.bounties.enabled:
            return rules.DISABLED.message
        if len(ctx.args) < 2:
            return rules.USAGE
        parsed = rules.parse_create(ctx.rest)
        if isinstance(parsed, BountyRefusal):
            return parsed.message
        amount, description = parsed
        # each PM is a new business fact: a fresh id (the same PM event is delivered once)
        outcome = await bounties.create(ctx.channel, ctx.user, amount, description, request_id=uuid.uuid4().hex)
        if isinstance(outcome, BountyRefusal):
            return outcome.message
        return rules.created_text(outcome.id, outcome.amount, outcome.description,
                                  cfg.bounties.default_expiry_hours, cfg.currency.symbol)

    async def _cancel(ctx: PmContext) -> str:
        if len(ctx.args) < 2:
            return rules.CANCEL_USAGE
        bounty_id = rules.parse_id(ctx.args[1])
        if isinstance(bounty_id, BountyRefusal):
            return bounty_id.message
        outcome = await bounties.cancel(ctx.channel, bounty_id, ctx.user)
        if isinstance(outcome, BountyRefusal):
            return outcome.message
        return cancelled_text(outcome, config().currency.symbol)

    @pm.command("bounties")
    async def bounties_cmd(ctx: PmContext) -> str:
        return bounties.list_text(await bounties.open_bounties(ctx.channel, rules.LIST_LIMIT))

    @pm.command("claim_bounty")
    async def claim_cmd(ctx: PmContext) -> str:
        parsed = rules.parse_claim(ctx.args)
        if isinstance(parsed, BountyRefusal):
            return parsed.message
        bounty_id, winner = parsed
        outcome = await bounties.claim(ctx.channel, bounty_id, winner, ctx.user)
        if isinstance(outcome, BountyRefusal):
            return outcome.message
        return claimed_text(outcome, config().currency.symbol)

