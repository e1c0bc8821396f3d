"""``presence.competitions``: a day's daily-competition results, or today's standings (the same use
case as the scheduled evaluation, ``competitions/runner.py``)."""

from __future__ import annotations

from economy_shared.channels import ChannelDirectory
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.competitions import CompetitionsRequest, CompetitionsResult

from .competitions import Competitions


def register(router: RequestRouter, channels: ChannelDirectory, competitions: Competitions) -> None:
    @router.route(CompetitionsRequest)
    async def results(req: CompetitionsRequest) -> CompetitionsResult:
        channel = channels.known(req.channel)
        if channel is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {req.channel!r} is not configured")
        return await competitions.standings(channel, req.day)
