"""The vanity shop's PM words: ``shop``, ``buy <item> <value…>`` and ``fortune``.

Each calls the same use case as the request subject (shop.py); a business refusal is its one-line
message, never an error. A PM purchase's ref is a fresh uuid (a PM is never replayed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ServiceError
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from . import shop_texts as texts
from .shop import VanityShop
from .vanity_rules import shop_words

mark_live("shop", "buy", "fortune")


async def answer(work: Callable[[], Awaitable[str]]) -> str:
    """A business refusal is a one-line reply, never an error."""
    try:
        return await work()
    except ServiceError as err:
        return err.message


def buy_usage(config: EconomyConfig) -> str:
    words = [w for w in shop_words(config) if w != "fortune"]
    return f"Usage: buy <item> [value] — items: {', '.join(words) or 'none right now'}. See 'shop' for prices."


def register(pm: PmRouter, shop: VanityShop, config: Callable[[], EconomyConfig]) -> None:

    @pm.command("shop")
    async def shop_cmd(ctx: PmContext) -> str:
        async def run() -> str:
            return texts.shop(config(), await shop.shop(ctx.channel, ctx.user))

        return await answer(run)

    @pm.command("buy")
    async def buy_cmd(ctx: PmContext) -> str:
        if not ctx.args:
            return buy_usage(config())
        item, _, value = ctx.rest.partition(" ")

        async def run() -> str:
            return (await shop.buy(ctx.channel, ctx.user, item, value.strip())).message

        return await answer(run)

    @pm.command("fortune")
    async def fortune_cmd(ctx: PmContext) -> str:
        async def run() -> str:
            return (await shop.fortune(ctx.channel, ctx.user)).message

        return await answer(run)
