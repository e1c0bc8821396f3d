"""Tell the announcer about a genuine arrival, so it can post the user's custom greeting (seed §3,
DECISIONS 21).

Presence only reports the fact (who, how long away); the announcer owns the greetings and decides.
Bounces are never reported (``Arrival.genuine``), nor the bot, ``[server]`` or ignored users. The
request runs in its own background task with a short timeout, so a silent announcer never delays or
breaks the welcome wallet and the rest of the arrival work; a failure is logged, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.runtime.requests import call
from economy_shared.schemas.vanity import ArrivalRequest
from economy_shared.subjects import service_subject

from .sessions import Arrival

TIMEOUT_SECONDS = 2.0


class GreetingNotice:
    def __init__(self, client: Any, config: Callable[[], EconomyConfig], log: Any,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self._client = client
        self._config = config
        self._log = log
        self._timeout = timeout
        self._subject = service_subject("announcer")
        self._failing = False  # log the first failure of a run of them at info, the rest at debug

    async def on_arrival(self, channel: str, arrival: Arrival) -> bool | None:
        """Report a genuine arrival; whether the announcer greeted (None: not sent or no answer)."""
        if not arrival.genuine or self._config().is_ignored(arrival.display):
            return None
        absent = None if arrival.absent_for is None else arrival.absent_for.total_seconds()
        try:
            reply = await call(self._client, self._subject,
                               ArrivalRequest(channel=channel, user=arrival.display, absent_seconds=absent),
                               self._timeout)
        except Exception as err:  # never let the arrival's background task fail on this
            self._failed(channel, arrival, type(err).__name__)
            return None
        if not reply.success:
            self._failed(channel, arrival, reply.error_code or "error")
            return None
        self._failing = False
        return bool(reply.data.get("greeted"))

    def _failed(self, channel: str, arrival: Arrival, error: str) -> None:
        emit = self._log.debug if self._failing else self._log.info
        self._failing = True
        emit("greeting_notice_failed", channel=channel, user=arrival.key, error=str(error))
