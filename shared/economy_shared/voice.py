"""How a service speaks: every PM and public line goes through the announcer's outbox.

If the announcer does not answer, a *command reply* is sent directly (split to 240 characters)
and logged; notifications and announcements are never sent around the outbox (ARCHITECTURE §4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import EconomyConfig
from .envelope import ErrorCode
from .pm.text import split_message
from .runtime.logging import get_logger
from .runtime.requests import call
from .schemas.announcer import AnnounceRequest, PriorityName, SayRequest, SendPmRequest
from .subjects import service_subject

log = get_logger("economy.voice")


class Voice:
    def __init__(self, client: Any, config: Callable[[], EconomyConfig], service: str, timeout: float = 2.0) -> None:
        self._client = client
        self._config = config
        self._service = service
        self._timeout = timeout
        self._subject = service_subject("announcer")

    async def reply(self, channel: str, user: str, text: str) -> bool:
        """Answer a command the user sent. Falls back to a direct PM when the announcer is down."""
        sent = await self._pm(channel, user, text, "reply", unsolicited=False)
        if sent:
            return True
        log.warning("announcer_down_direct_reply", service=self._service, channel=channel, user=user)
        try:
            limit = self._config().commands.max_message_length
            for chunk in split_message(text, limit):
                await self._client.send_pm(channel, user, chunk, domain=self._config().domain_of(channel))
            return True
        except Exception as err:
            log.error("direct_reply_failed", channel=channel, user=user, error=repr(err))
            return False

    async def notify(self, channel: str, user: str, text: str) -> bool:
        """An unsolicited PM (welcome, milestone…). Dropped for users in quiet mode; never sent directly."""
        return await self._pm(channel, user, text, "notify", unsolicited=True)

    async def announce(self, channel: str, template: str, **context: Any) -> bool:
        req = AnnounceRequest(channel=channel, template=template, context=context)
        reply = await call(self._client, self._subject, req, self._timeout)
        return reply.success and bool(reply.data.get("queued"))

    async def say(self, channel: str, text: str, priority: PriorityName = "announce", dedup: bool = True) -> bool:
        req = SayRequest(channel=channel, text=text, priority=priority, dedup=dedup)
        reply = await call(self._client, self._subject, req, self._timeout)
        return reply.success and bool(reply.data.get("queued"))

    async def _pm(self, channel: str, user: str, text: str, priority: PriorityName, unsolicited: bool) -> bool:
        req = SendPmRequest(channel=channel, user=user, text=text, priority=priority, unsolicited=unsolicited)
        reply = await call(self._client, self._subject, req, self._timeout)
        if not reply.success and reply.error_code != ErrorCode.UNAVAILABLE:
            log.warning("announcer_refused_pm", error_code=reply.error_code, error=reply.error)
            return True  # it answered; do not resend around it
        return reply.success
