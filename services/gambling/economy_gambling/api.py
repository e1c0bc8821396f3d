"""Gambling's request subject: ``kryten.economy.gambling.command``.

``gambling.spin`` / ``gambling.flip`` play for a user (the same path as the PM commands);
``gambling.stats`` is a user's record (achievements read ``lifetime_wagered`` and ``biggest_win``);
``gambling.summary`` is the house report; ``gambling.escrows`` is what should sit in the ledger's
``~escrow:gambling`` account for the channel (an audit cross-check).
"""

from __future__ import annotations

from economy_shared.channels import ChannelDirectory
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.gambling import (
    EscrowsRequest,
    EscrowsResult,
    FlipRequest,
    GamblerStats,
    GamblingSummary,
    PlayResult,
    SpinRequest,
    StatsRequest,
    SummaryRequest,
)

from .quick import QuickGames
from .report import Reports


def register(router: RequestRouter, *, quick: QuickGames, reports: Reports, channels: ChannelDirectory) -> None:
    def known(channel: str) -> str:
        if channel not in channels:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        return channel

    @router.route(SpinRequest)
    async def spin(req: SpinRequest) -> PlayResult:
        return await quick.spin(known(req.channel), req.user, req.wager)

    @router.route(FlipRequest)
    async def flip(req: FlipRequest) -> PlayResult:
        return await quick.flip(known(req.channel), req.user, req.wager)

    @router.route(StatsRequest)
    async def stats(req: StatsRequest) -> GamblerStats:
        return await reports.gambler_stats(known(req.channel), req.user)

    @router.route(SummaryRequest)
    async def summary(req: SummaryRequest) -> GamblingSummary:
        return await reports.house_summary(known(req.channel))

    @router.route(EscrowsRequest)
    async def escrowed(req: EscrowsRequest) -> EscrowsResult:
        return await reports.escrows(known(req.channel))
