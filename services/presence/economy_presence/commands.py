"""Presence's PM commands, in one place: parsing and wording at the edge, use cases behind.

``rewards`` (ways to earn), ``like`` (the current play), admin ``rain <amount>`` and admin
``econ:triggers``. Amounts are read with ``parse_amount`` (ASCII digits only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.pm.text import parse_amount

from .chat import TriggerReport
from .chat.guide import rewards_text
from .chat.likes import LikeResult, LikeStatus
from .timed.admin_rain import AdminRainResult, RainStatus

mark_live("rewards", "like", "econ:triggers", "rain")

MAX_RAIN = 1_000_000_000

def like_text(result: LikeResult, symbol: str) -> str:
    match result.status:
        case LikeStatus.PAID:
            return f'👍 Liked "{result.title}"! +{result.reward} {symbol}'
        case LikeStatus.PENDING:
            return f'👍 Liked "{result.title}"! The bank is slow right now; your +{result.reward} {symbol} will follow.'
        case LikeStatus.DISABLED:
            return "Likes are currently disabled."
        case LikeStatus.NOTHING_PLAYING:
            return "Nothing playing right now."
        case LikeStatus.NOT_PRESENT:
            return "Join the channel to like what's playing."
        case LikeStatus.ALREADY:
            return "You've already liked this one!"
        case LikeStatus.BANNED:
            return "⛔ Your account is frozen by the channel admins."
    return "😵 Couldn't record your like just now. Try again in a moment."


def rain_text(result: AdminRainResult, symbol: str) -> str:
    match result.status:
        case RainStatus.NOBODY_HERE:
            return "☔ Nobody else is here to rain on."
        case RainStatus.UNAVAILABLE:
            return "😵 The bank didn't answer, so nothing was paid. Try again in a moment."
        case RainStatus.NOBODY_ELIGIBLE:
            return "☔ Nobody here could receive it."
    n, total = len(result.paid), sum(result.paid.values())
    if result.status is RainStatus.PARTLY_PENDING:
        waiting = f"{result.pending_users} user{'s' if result.pending_users != 1 else ''}"
        if not result.paid:
            return f"⏳ The bank hasn't confirmed the rain on {waiting} yet; it will be paid as soon as it answers."
        return (f"☔ Rained {total:,} {symbol} on {n} user{'s' if n != 1 else ''}; the bank hasn't confirmed "
                f"{waiting} yet, they will be paid as soon as it answers.")
    if not result.paid:
        return "☔ Nobody here could receive it."
    return f"☔ Rained {total:,} {symbol} on {n} user{'s' if n != 1 else ''}."


def triggers_text(report: TriggerReport, symbol: str) -> str:
    day, rows, dead = report.day, report.rows, report.dead
    lines = [f"📊 Earning triggers today ({day}):"] if rows else ["No trigger data for today."]
    lines += [f"{r['trigger_id']}: {r['hits']} hits, {r['unique_users']} users, {r['z_awarded']:,} {symbol}"
              for r in rows]
    if dead:
        lines.append("💤 No hits today: " + ", ".join(dead))
    return "\n".join(lines)


def register(
    pm: PmRouter,
    config: Callable[[], EconomyConfig],
    like: Callable[[str, str], Awaitable[LikeResult]],
    triggers: Callable[[str], Awaitable[TriggerReport | None]],
    rain: Callable[[str, str, int], Awaitable[AdminRainResult]],
) -> None:
    """``like(channel, user)``, ``triggers(channel)``, ``rain(channel, admin, amount)`` are the use cases."""

    @pm.command("rewards")
    async def rewards_cmd(ctx: PmContext) -> str:
        return rewards_text(config())

    @pm.command("like")
    async def like_cmd(ctx: PmContext) -> str:
        return like_text(await like(ctx.channel, ctx.user), config().currency.symbol)

    @pm.command("econ:triggers")
    async def triggers_cmd(ctx: PmContext) -> str:
        report = await triggers(ctx.channel)
        if report is None:
            return "No trigger data for today."
        return triggers_text(report, config().currency.symbol)

    @pm.command("rain")
    async def rain_cmd(ctx: PmContext) -> str:
        amount = parse_amount(ctx.args[0]) if len(ctx.args) == 1 else None
        if amount is None or amount > MAX_RAIN:
            return ctx.usage()
        return rain_text(await rain(ctx.channel, ctx.user, amount), config().currency.symbol)
