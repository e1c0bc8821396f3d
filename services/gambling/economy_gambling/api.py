"""Gambling's request subject: ``kryten.economy.gambling.command``.

``gambling.spin`` / ``gambling.flip`` play for a user (the same path as the PM commands);
``gambling.stats`` is a user's record (achievements read ``lifetime_wagered`` and ``biggest_win``);
``gambling.summary`` is the house report; ``gambling.escrows`` is what should sit in the ledger's
``~escrow:gambling`` account for the channel (an audit cross-check).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.envelope import ErrorCode, ServiceError
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

from .report import escrows, gambler_stats, house_summary

if TYPE_CHECKING:
    from .service import GamblingService


def register(service: GamblingService) -> None:
    router = service.router

    def known(channel: str) -> str:
        if service.key_of(channel) not in service.channels:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        return channel

    @router.route(SpinRequest)
    async def spin(req: SpinRequest) -> PlayResult:
        return await service.quick.spin(known(req.channel), req.user, req.wager)

    @router.route(FlipRequest)
    async def flip(req: FlipRequest) -> PlayResult:
        return await service.quick.flip(known(req.channel), req.user, req.wager)

    @router.route(StatsRequest)
    async def stats(req: StatsRequest) -> GamblerStats:
        return await gambler_stats(service, known(req.channel), req.user)

    @router.route(SummaryRequest)
    async def summary(req: SummaryRequest) -> GamblingSummary:
        return await house_summary(service, known(req.channel))

    @router.route(EscrowsRequest)
    async def escrowed(req: EscrowsRequest) -> EscrowsResult:
        return await escrows(service, known(req.channel))
