"""The ledger's PM words for leaderboards and profiles: ``top [category]`` (``leaderboard``, ``lb``) and
``profile [@user]``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .board_rules import USAGE, board_text, category_of, target_of
from .boards import Boards
from .public_boards import profile

mark_live("top", "profile")


def register(pm: PmRouter, boards: Boards, config: Callable[[], EconomyConfig]) -> None:
    @pm.command("top")
    async def top_cmd(ctx: PmContext) -> str:
        category = category_of(ctx.args[0] if ctx.args else None)
        if category is None:
            return USAGE
        return board_text(await boards.board(ctx.channel, category), config().currency.symbol)

    @pm.command("profile")
    async def profile_cmd(ctx: PmContext) -> str:
        return (await profile(boards, config(), ctx.channel, target_of(ctx.args, ctx.user))).text
