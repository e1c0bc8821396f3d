"""The ledger's PM commands: ``help`` and ``balance``/``bal``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.pm.catalog import entries
from economy_shared.pm.router import PmContext
from economy_shared.runtime.requests import call
from economy_shared.schemas.presence import UserStatus, UserStatusRequest
from economy_shared.subjects import service_subject

if TYPE_CHECKING:
    from .service import LedgerService

HELP_HEADER = "🎬 {bot} — your pocket studio. PM me any of these:"
HELP_FOOTER = "Stick around. Earn {currency}. Discover the rest. 🍿"


def help_text(service: LedgerService, is_admin: bool) -> str:
    cfg = service.config
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


async def streak_days(service: LedgerService, channel: str, user: str) -> int | None:
    """Ask presence for the streak; None when presence cannot tell (down or slow)."""
    reply = await call(
        service.client, service_subject("presence"), UserStatusRequest(channel=channel, user=user), timeout=1.0
    )
    if not reply.success:
        return None
    return UserStatus.model_validate(reply.data).streak_days


def register(service: LedgerService) -> None:
    pm = service.pm

    @pm.command("help")
    async def help_cmd(ctx: PmContext) -> str:
        return help_text(service, ctx.is_admin)

    @pm.command("balance")
    async def balance_cmd(ctx: PmContext) -> str:
        cfg = service.config
        row = await service.store.account(ctx.channel, ctx.user)
        balance = row["balance"] if row else 0
        earned = row["lifetime_earned"] if row else 0
        lines = [
            f"💰 Balance: {balance:,} {cfg.currency.symbol} ({cfg.currency.plural})",
            f"⭐ Rank: {cfg.ranks.rank_for(earned).name}",
        ]
        streak = await streak_days(service, ctx.channel, ctx.user)
        if streak:
            lines.append(f"🔥 Streak: {streak} day{'s' if streak != 1 else ''}")
        if row and row["banned"]:
            lines.append("⛔ Your account is frozen by the channel admins.")
        return "\n".join(lines)
