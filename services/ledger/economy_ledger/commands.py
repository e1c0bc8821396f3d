"""The ledger's PM commands: ``help``, ``balance``/``bal`` and ``rank``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import entries
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.schemas.ledger import AccountView, RankResult

from .accounts import account_view
from .presence_lookup import PresenceLookup
from .rank_rules import bar
from .ranks import Ranks
from .store import LedgerStore

HELP_HEADER = "🎬 {bot} — your pocket studio. PM me any of these:"
HELP_FOOTER = "Stick around. Earn {currency}. Discover the rest. 🍿"


def help_text(cfg: EconomyConfig, is_admin: bool) -> str:
    live = [e for e in entries() if e.live]
    lines = [HELP_HEADER.format(bot=cfg.bot.username)]
    for e in live:
        if e.admin:
            continue
        alias = f" ({', '.join(e.aliases)})" if e.aliases else ""
        lines.append(f"• {e.usage or e.word}{alias} — {e.summary}")
    if is_admin:
        admin = [e for e in live if e.admin]
        if admin:
            lines.append("🛠 Admin:")
            lines.extend(f"• {e.usage or e.word} — {e.summary}" for e in admin)
    lines.append(HELP_FOOTER.format(currency=cfg.currency.plural))
    return "\n".join(lines)


def balance_text(cfg: EconomyConfig, view: AccountView, streak: int | None) -> str:
    lines = [
        f"💰 Balance: {view.balance:,} {cfg.currency.symbol} ({cfg.currency.plural})",
        f"⭐ Rank: {view.rank_name}",
    ]
    if streak:
        lines.append(f"🔥 Streak: {streak} day{'s' if streak != 1 else ''}")
    if view.banned:
        lines.append("⛔ Your account is frozen by the channel admins.")
    return "\n".join(lines)


def rank_text(cfg: EconomyConfig, r: RankResult) -> str:
    symbol = cfg.currency.symbol
    lines = [f"⭐ Rank: {r.rank_name} · lifetime earned {r.lifetime_earned:,} {symbol}"]
    if r.next_rank is not None:
        lines.append(f"Next: {r.next_rank} ({r.remaining:,} {symbol} to go)")
        lines.append(f"{bar(r.percent)} {r.percent:.1f}%")
    else:
        lines.append("🏆 Top rank reached.")
    if r.perks:
        lines.append("Active perks: " + ", ".join(r.perks))
    return "\n".join(lines)


def register(
    pm: PmRouter, store: LedgerStore, config: Callable[[], EconomyConfig], presence: PresenceLookup, ranks: Ranks
) -> None:
    @pm.command("help")
    async def help_cmd(ctx: PmContext) -> str:
        return help_text(config(), ctx.is_admin)

    @pm.command("balance")
    async def balance_cmd(ctx: PmContext) -> str:
        view = account_view(config(), ctx.user, await store.account(ctx.channel, ctx.user))
        return balance_text(config(), view, await presence.streak_days(ctx.channel, ctx.user))

    @pm.command("rank")
    async def rank_cmd(ctx: PmContext) -> str:
        return rank_text(config(), await ranks.standing(ctx.channel, ctx.user))
