"""What the ledger asks presence (``presence.user_status``): a user's streak, for the PM ``balance``
reply, and whether someone is here now, for a tip to a user who holds no account yet (DECISIONS 1).

The ledger must answer even while presence is down or being restarted, so every failure here
(no answer, a refusal, a reply it cannot read) is None and the caller leaves the streak line out
(or treats the tip target as unknown). Only ``unavailable`` is expected; any other refusal is
logged, because it means a bug.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from economy_shared.envelope import ErrorCode
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import call
from economy_shared.schemas.presence import UserStatus, UserStatusRequest
from economy_shared.subjects import service_subject

log = get_logger("economy.ledger.presence_lookup")


class PresenceLookup:
    def __init__(self, client: Any, timeout: float = 1.0) -> None:
        self._client = client
        self._timeout = timeout

    async def streak_days(self, channel: str, user: str) -> int | None:
        """The user's streak in days; None when presence cannot tell (down, slow or refusing)."""
        status = await self.status(channel, user)
        return status.streak_days if status is not None else None

    async def present(self, channel: str, user: str) -> bool | None:
        """Whether the user is in the channel now; None when presence cannot tell."""
        status = await self.status(channel, user)
        return status.present if status is not None else None

    async def status(self, channel: str, user: str) -> UserStatus | None:
        reply = await call(self._client, service_subject("presence"), UserStatusRequest(channel=channel, user=user),
                           timeout=self._timeout)
        if not reply.success:
            if reply.error_code != ErrorCode.UNAVAILABLE:
                log.warning("presence_status_refused", channel=channel, code=reply.error_code, error=reply.error)
            return None
        try:
            return UserStatus.model_validate(reply.data)
        except ValidationError:
            log.warning("presence_status_unreadable", channel=channel)
            return None
