"""The ledger's PM word ``achievements``: the user's own badges, progress and hidden count."""

from __future__ import annotations

from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .achievements import Achievements

mark_live("achievements")


def register(pm: PmRouter, achievements: Achievements) -> None:
    @pm.command("achievements")
    async def achievements_cmd(ctx: PmContext) -> str:
        return (await achievements.view(ctx.channel, ctx.user)).text
