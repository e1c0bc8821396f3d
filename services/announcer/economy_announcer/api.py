"""The announcer's request subject ``kryten.economy.announcer.command``.

Every reply is ``QueuedResult``: ``queued`` false with a ``reason`` (quiet, ignored, duplicate,
disabled, no_template, below_threshold, render_failed, capped, full, empty) is a normal answer, not a
failure; a malformed request or an unknown channel is ``bad_request``.
"""

from __future__ import annotations

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.announcer import (
    AnnounceRequest,
    QueuedResult,
    SayRequest,
    SendPmRequest,
    priority_of,
)

from .voice import LocalVoice


def register(router: RequestRouter, voice: LocalVoice) -> None:

    @router.route(SendPmRequest)
    async def send_pm(req: SendPmRequest) -> QueuedResult:
        return voice.queue_pm(
            req.channel, req.user, req.text, priority_of(req.priority), unsolicited=req.unsolicited
        )

    @router.route(AnnounceRequest)
    async def announce(req: AnnounceRequest) -> QueuedResult:
        return voice.queue_announcement(req.channel, req.template, req.context)

    @router.route(SayRequest)
    async def say(req: SayRequest) -> QueuedResult:
        return voice.queue_say(req.channel, req.text, priority_of(req.priority), dedup=req.dedup)
