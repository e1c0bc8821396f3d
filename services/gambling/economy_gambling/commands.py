"""Gambling's PM commands: spin, flip, challenge, accept, decline, heist, gambling/stats, econ:gambling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.pm.text import parse_amount, strip_at

from . import texts
from .duels import Duels
from .heists import Heists
from .quick import QuickGames
from .report import Reports

mark_live("spin", "flip", "challenge", "accept", "decline", "heist", "gambling", "econ:gambling")


async def answer(work: Callable[[], Awaitable[str]]) -> str:
    """A business refusal is a one-line reply, never an error."""
    try:
        return await work()
    except ServiceError as err:
        return err.message


def register(pm: PmRouter, *, config: Callable[[], EconomyConfig], quick: QuickGames, duels: Duels,
             heists: Heists, reports: Reports) -> None:
    cfg = config  # called at use, so a reloaded config applies at once

    @pm.command("spin")
    async def spin(ctx: PmContext) -> str:
        if ctx.args:
            wager = parse_amount(ctx.args[0])
            if wager is None:
                return f"{ctx.usage()} — e.g. spin {cfg().gambling.spin.min_wager}"

            async def paid() -> str:
                return texts.play_text(cfg(), await quick.spin(ctx.channel, ctx.user, wager))

            return await answer(paid)
        try:
            return texts.play_text(cfg(), await quick.free_spin(ctx.channel, ctx.user))
        except ServiceError as err:
            if err.code in (ErrorCode.LIMIT, ErrorCode.DISABLED) and cfg().gambling.enabled:
                least = f"{cfg().gambling.spin.min_wager:,} {cfg().currency.symbol}"
                hint = f"Spin with a wager: spin <wager> (min {least})"
                lead = err.message if err.code == ErrorCode.LIMIT else "🎁 Free spins are off."
                return f"{lead} {hint}"
            return err.message

    @pm.command("flip")
    async def flip(ctx: PmContext) -> str:
        wager = parse_amount(ctx.args[0]) if ctx.args else None
        if wager is None:
            return f"{ctx.usage()} — e.g. flip {cfg().gambling.flip.min_wager}"

        async def play() -> str:
            return texts.play_text(cfg(), await quick.flip(ctx.channel, ctx.user, wager))

        return await answer(play)

    @pm.command("challenge")
    async def challenge(ctx: PmContext) -> str:
        if len(ctx.args) != 2:
            return ctx.usage()
        first, second = ctx.args
        wager = parse_amount(second)
        target = first
        if wager is None and parse_amount(first) is not None:  # "challenge 100 @bob" reads the same
            wager, target = parse_amount(first), second
        if wager is None or not strip_at(target):
            return ctx.usage()
        return await answer(lambda: duels.challenge(ctx.channel, ctx.user, target, wager))

    @pm.command("accept")
    async def accept(ctx: PmContext) -> str:
        other = ctx.args[0] if ctx.args else None
        return await answer(lambda: duels.accept(ctx.channel, ctx.user, other))

    @pm.command("decline")
    async def decline(ctx: PmContext) -> str:
        other = ctx.args[0] if ctx.args else None
        return await answer(lambda: duels.decline(ctx.channel, ctx.user, other))

    @pm.command("heist")
    async def heist(ctx: PmContext) -> str:
        g = cfg().gambling
        if not (g.enabled and g.heist.enabled):
            return "🏦 Heists are off in this channel."
        word = ctx.args[0].lower() if ctx.args else "join"
        if word == "join":
            return await answer(lambda: heists.join(ctx.channel, ctx.user))
        wager = parse_amount(word)
        if wager is None or len(ctx.args) > 1:
            return ctx.usage()
        return await answer(lambda: heists.start(ctx.channel, ctx.user, wager))

    @pm.command("gambling")
    async def gambling(ctx: PmContext) -> str:
        return texts.stats_text(cfg(), await reports.gambler_stats(ctx.channel, ctx.user))

    @pm.command("econ:gambling")
    async def econ_gambling(ctx: PmContext) -> str:
        return texts.summary_text(cfg(), await reports.house_summary(ctx.channel))
