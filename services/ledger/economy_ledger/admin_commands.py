"""The ledger's admin PM words (sprint 8 §3): ``grant``, ``deduct``, ``set_balance``, ``set_rank``, ``ban``,
``unban``, ``econ:user``. The router refuses non-admins with one line before these run (DECISIONS 22);
a malformed argument is the usage line and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.clock import from_ms
from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .admin import Admin, AdminDone, UserInfo
from .admin_rules import AdminAction, AdminRefusal, parse_money, parse_target, parse_target_rest

mark_live("grant", "deduct", "set_balance", "set_rank", "ban", "unban", "econ:user")


def done_text(done: AdminDone, symbol: str) -> str:
    bal = f" Balance now {done.balance:,} {symbol}." if done.balance is not None else ""
    why = f" Reason: {done.reason}" if done.reason else ""
    if done.action is AdminAction.GRANT:
        return f"✅ Granted {done.amount:,} {symbol} to {done.target}.{bal}{why}"
    if done.action is AdminAction.DEDUCT:
        return f"✅ Deducted {done.amount:,} {symbol} from {done.target}.{bal}{why}"
    if done.action is AdminAction.SET_BALANCE:
        if not done.changed:
            return f"ℹ️ {done.target} already has {done.amount:,} {symbol} — nothing changed."
        return f"✅ {done.target}'s balance set to {done.amount:,} {symbol} (was {done.old_balance:,} {symbol})."
    if done.action is AdminAction.SET_RANK:
        return f"✅ {done.target}'s rank floor set to {done.rank}."
    if done.action is AdminAction.BAN:
        return f"⛔ {done.target} is banned from the economy (balance kept).{why}"
    return f"✅ {done.target} is unbanned."


def user_text(info: UserInfo, symbol: str) -> str:
    v = info.view
    lines = [
        f"👤 {v.user}: {v.balance:,} {symbol} · rank {v.rank_name}",
        f"Earned {v.lifetime_earned:,} · spent {v.lifetime_spent:,} · gambled in {v.lifetime_gambled_in:,} / "
        f"out {v.lifetime_gambled_out:,} · tips sent {v.tips_sent:,} / received {v.tips_received:,}",
        ("⛔ Banned" + (f": {info.ban_reason}" if info.ban_reason else "")) if v.banned else "Not banned",
    ]
    for r in info.rows:
        when = from_ms(r["created_ms"]).strftime("%m-%d %H:%M")
        lines.append(f"{when} {r['amount']:+,} {r['kind']} {r['trigger_id'] or ''}".rstrip())
    return "\n".join(lines)


def register(pm: PmRouter, admin: Admin, config: Callable[[], EconomyConfig]) -> None:
    def answer(outcome: AdminDone | AdminRefusal) -> str:
        if isinstance(outcome, AdminRefusal):
            return outcome.message
        return done_text(outcome, config().currency.symbol)

    @pm.command("grant")
    async def grant_cmd(ctx: PmContext) -> str:
        args = parse_money(ctx.args)
        if args is None:
            return ctx.usage()
        return answer(await admin.grant(ctx.channel, ctx.user, args.target, args.amount, args.reason))

    @pm.command("deduct")
    async def deduct_cmd(ctx: PmContext) -> str:
        args = parse_money(ctx.args)
        if args is None:
            return ctx.usage()
        return answer(await admin.deduct(ctx.channel, ctx.user, args.target, args.amount, args.reason))

    @pm.command("set_balance")
    async def set_balance_cmd(ctx: PmContext) -> str:
        args = parse_money(ctx.args, allow_zero=True)
        if args is None or args.reason:
            return ctx.usage()
        return answer(await admin.set_balance(ctx.channel, ctx.user, args.target, args.amount))

    @pm.command("set_rank")
    async def set_rank_cmd(ctx: PmContext) -> str:
        parsed = parse_target_rest(ctx.args, need_rest=True)
        if parsed is None:
            return ctx.usage()
        return answer(await admin.set_rank(ctx.channel, ctx.user, *parsed))

    @pm.command("ban")
    async def ban_cmd(ctx: PmContext) -> str:
        parsed = parse_target_rest(ctx.args, need_rest=False)
        if parsed is None:
            return ctx.usage()
        return answer(await admin.ban(ctx.channel, ctx.user, *parsed))

    @pm.command("unban")
    async def unban_cmd(ctx: PmContext) -> str:
        target = parse_target(ctx.args[0]) if len(ctx.args) == 1 else None
        if target is None:
            return ctx.usage()
        return answer(await admin.unban(ctx.channel, ctx.user, target))

    @pm.command("econ:user")
    async def user_cmd(ctx: PmContext) -> str:
        target = parse_target(ctx.args[0]) if len(ctx.args) == 1 else None
        if target is None:
            return ctx.usage()
        info = await admin.user_info(ctx.channel, target)
        if isinstance(info, AdminRefusal):
            return info.message
        return user_text(info, config().currency.symbol)
