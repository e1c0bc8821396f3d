"""Public ``economy.stats``, ``economy.health`` and ``economy.snapshot`` on ``kryten.economy.command`` (sprint 8 §4).

They call the same ``Reports`` as the PM words ``econ:stats`` / ``econ:health``. They are read-only
aggregate figures (no user's private data beyond the day's top earner, who is public on ``top``), so
they answer every caller; unlike ``admin.*`` they are not gated by ``api.allow_admin_commands``
(DECISIONS 24 gates commands that change something).
"""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.reports import (
    EconomyHealth,
    EconomyHealthRequest,
    EconomySnapshotRequest,
    EconomyStats,
    EconomyStatsRequest,
    SnapshotReply,
)

from .reports import Reports


def register_report_routes(router: RequestRouter, reports: Reports) -> None:
    @router.route(EconomyStatsRequest)
    async def stats(req: EconomyStatsRequest) -> EconomyStats:
        return await reports.stats(req.channel)

    @router.route(EconomyHealthRequest)
    async def health(req: EconomyHealthRequest) -> EconomyHealth:
        return await reports.health(req.channel)

    @router.route(EconomySnapshotRequest)
    async def snapshot(req: EconomySnapshotRequest) -> SnapshotReply:
        snap = await reports.snapshot(req.channel, slot_ms=req.slot_ms, at_ms=req.at_ms)
        return SnapshotReply(found=snap is not None, snapshot=snap)
