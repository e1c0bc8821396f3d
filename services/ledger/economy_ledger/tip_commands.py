"""The ledger's PM words for tips and history: ``tip @user <amount>`` and ``history [n]``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .history_rules import history_text, rows_wanted
from .tip_rules import TIPS_OFF, TipRefusal, parse_tip
from .tips import TipDone, Tips

mark_live("tip", "history")


def tipped_text(done: TipDone, symbol: str) -> str:
    lines = [f"💸 You tipped {done.target} {done.amount:,} {symbol}."]
    if done.sender_balance is not None:
        lines.append(f"Your balance: {done.sender_balance:,} {symbol} · {done.left_today:,} {symbol} "
                     "left to tip today.")
    return "\n".join(lines)


def register(pm: PmRouter, tips: Tips, config: Callable[[], EconomyConfig]) -> None:
    @pm.command("tip")
    async def tip_cmd(ctx: PmContext) -> str:
        parsed = TIPS_OFF if not config().tipping.enabled else parse_tip(ctx.args)
        if isinstance(parsed, TipRefusal):
            return tips.refused(ctx.channel, parsed).message
        target, amount = parsed
        outcome = await tips.tip(ctx.channel, ctx.user, target, amount)
        if isinstance(outcome, TipRefusal):
            return outcome.message
        return tipped_text(outcome, config().currency.symbol)

    @pm.command("history")
    async def history_cmd(ctx: PmContext) -> str:
        rows = await tips.history(ctx.channel, ctx.user, rows_wanted(ctx.args))
        return history_text(rows, config().currency.symbol)
