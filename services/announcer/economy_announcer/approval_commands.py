"""The announcer's admin PM words for GIF approvals: ``approve_gif @user``, ``reject_gif @user`` (the
user's oldest pending GIF; ``#<id>`` names one GIF) and ``pending_gifs``. The shared PmRouter refuses
them to non-admins (catalog ``admin=True``, DECISIONS 22)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .approval_store import GifRow
from .approvals import GifApprovals

mark_live("approve_gif", "reject_gif", "pending_gifs")

_BY_ID = re.compile(r"^#(\d{1,9})$")
URL_SHOWN = 100  # a long URL is cut in the listing (the full one is in announcer.gif_approvals)


def age_text(seconds: float) -> str:
    """``45s``, ``12m``, ``3h 05m``, ``2d 4h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def pending_text(rows: list[GifRow], now_ms: int, symbol: str) -> str:
    if not rows:
        return "🖼️ No GIFs waiting for approval (none)."
    lines = [f"🖼️ GIFs waiting for approval ({len(rows)}):"]
    for r in rows:
        url = r.url if len(r.url) <= URL_SHOWN else r.url[: URL_SHOWN - 1] + "…"
        lines.append(f"#{r.id} {r.display} — {url} — {r.cost:,} {symbol} — {age_text((now_ms - r.created_ms) / 1000)}"
                     " ago")
    lines.append("approve_gif <user> / reject_gif <user> (or #id)")
    return "\n".join(lines)


def register(pm: PmRouter, approvals: GifApprovals, config: Callable[[], EconomyConfig]) -> None:

    def resolve(approved: bool) -> Callable[[PmContext], Awaitable[str]]:
        async def handler(ctx: PmContext) -> str:
            if len(ctx.args) != 1 or not ctx.args[0].lstrip("@"):
                return f"{ctx.usage()} — pending_gifs lists them"
            arg = ctx.args[0]
            match = _BY_ID.match(arg)
            try:
                result = await approvals.resolve(
                    ctx.channel, approved=approved, admin=ctx.user,
                    approval_id=int(match.group(1)) if match else None, user=None if match else arg.lstrip("@"),
                )
            except ServiceError as err:
                return err.message  # nothing pending, already resolved by X: a one-line answer
            return result.message

        return handler

    pm.command("approve_gif")(resolve(True))
    pm.command("reject_gif")(resolve(False))

    @pm.command("pending_gifs")
    async def pending_gifs(ctx: PmContext) -> str:
        rows = await approvals.pending_rows(ctx.channel)
        return pending_text(rows, approvals.now_ms(), config().currency.symbol)
