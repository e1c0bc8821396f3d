"""Earning events on presence's request subject: ``presence.events``, ``presence.event_start`` and
``presence.event_stop`` — the same use cases as the PM words (event_commands.py)."""

from __future__ import annotations

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import from_ms
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.events import (
    ActiveMultipliers,
    ActiveMultipliersRequest,
    EventResult,
    EventStartRequest,
    EventStopRequest,
)

from .event_commands import outcome_text
from .events.book import EarningEvents, EventOutcome, EventStatus
from .events.boosts import Boosts
from .events.store import EventRow

REFUSALS = {
    EventStatus.ALREADY_RUNNING: ErrorCode.CONFLICT,
    EventStatus.NONE_RUNNING: ErrorCode.NOT_FOUND,
    EventStatus.UNKNOWN_CHANNEL: ErrorCode.NOT_FOUND,
}


def event_result(row: EventRow) -> EventResult:
    return EventResult(name=row.name, multiplier=float(row.multiplier), starts_at=from_ms(row.starts_ms).isoformat(),
                       ends_at=from_ms(row.ends_ms).isoformat(), started_by=row.started_by)


def register(router: RequestRouter, channels: ChannelDirectory, events: EarningEvents, boosts: Boosts) -> None:
    def channel_of(channel: str) -> str:
        known = channels.known(channel)
        if known is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        return known

    def answer(out: EventOutcome, ok: EventStatus) -> EventResult:
        if out.status is ok and out.event is not None:
            return event_result(out.event)
        code = REFUSALS.get(out.status, ErrorCode.BAD_REQUEST)
        raise ServiceError(code, outcome_text(out, events.now()))

    @router.route(ActiveMultipliersRequest)
    async def active(req: ActiveMultipliersRequest) -> ActiveMultipliers:
        return boosts.view(channel_of(req.channel))

    @router.route(EventStartRequest)
    async def start(req: EventStartRequest) -> EventResult:
        out = await events.start_adhoc(channel_of(req.channel), req.admin, req.multiplier, req.minutes, req.name)
        return answer(out, EventStatus.STARTED)

    @router.route(EventStopRequest)
    async def stop(req: EventStopRequest) -> EventResult:
        return answer(await events.stop_adhoc(channel_of(req.channel), req.admin), EventStatus.STOPPED)
