"""The announcer's request subject ``kryten.economy.announcer.command``.

Every reply is ``QueuedResult``: ``queued`` false with a ``reason`` (quiet, ignored, duplicate,
disabled, no_template, below_threshold, render_failed, capped, full, empty) is a normal answer, not a
failure; a malformed request or an unknown channel is ``bad_request``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.schemas.announcer import (
    AnnounceRequest,
    QueuedResult,
    SayRequest,
    SendPmRequest,
    priority_of,
)

if TYPE_CHECKING:
    from .service import AnnouncerService


def register(service: AnnouncerService) -> None:
    router = service.router

    @router.route(SendPmRequest)
    async def send_pm(req: SendPmRequest) -> QueuedResult:
        return service.voice.queue_pm(
            req.channel, req.user, req.text, priority_of(req.priority), unsolicited=req.unsolicited
        )

    @router.route(AnnounceRequest)
    async def announce(req: AnnounceRequest) -> QueuedResult:
        return service.voice.queue_announcement(req.channel, req.template, req.context)

    @router.route(SayRequest)
    async def say(req: SayRequest) -> QueuedResult:
        return service.voice.queue_say(req.channel, req.text, priority_of(req.priority), dedup=req.dedup)
