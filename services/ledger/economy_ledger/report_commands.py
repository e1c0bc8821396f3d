"""The admin PM words ``econ:stats`` and ``econ:health``: call ``Reports``, word the reply (report_rules.py).

Admin-only (the catalog marks them ``admin``; the PM router refuses others with one line).
"""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter

from .report_rules import health_text, stats_text
from .reports import Reports

mark_live("econ:stats", "econ:health")


def register(pm: PmRouter, reports: Reports, config: Callable[[], EconomyConfig]) -> None:
    @pm.command("econ:stats")
    async def stats_cmd(ctx: PmContext) -> str:
        return stats_text(config(), await reports.stats(ctx.channel))

    @pm.command("econ:health")
    async def health_cmd(ctx: PmContext) -> str:
        return health_text(config(), await reports.health(ctx.channel))
