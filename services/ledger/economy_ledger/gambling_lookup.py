"""What the ledger asks the gambling service for ``profile``: a user's record (``gambling.stats``, the
request behind its ``gambling``/``stats`` PM). The profile must answer while gambling is down, so
any failure is None and the profile leaves the gambling line out."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from economy_shared.envelope import ErrorCode
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import call
from economy_shared.schemas.gambling import GamblerStats, StatsRequest
from economy_shared.subjects import service_subject

log = get_logger("economy.ledger.gambling_lookup")


class GamblingLookup:
    def __init__(self, client: Any, timeout: float = 1.0) -> None:
        self._client = client
        self._timeout = timeout

    async def record(self, channel: str, user: str) -> tuple[int, int] | None:
        """(games played, net result) or None when the gambling service cannot tell."""
        reply = await call(self._client, service_subject("gambling"), StatsRequest(channel=channel, user=user),
                           timeout=self._timeout)
        if not reply.success:
            if reply.error_code != ErrorCode.UNAVAILABLE:
                log.warning("gambling_stats_refused", channel=channel, code=reply.error_code, error=reply.error)
            return None
        try:
            stats = GamblerStats.model_validate(reply.data)
        except ValidationError:
            log.warning("gambling_stats_unreadable", channel=channel)
            return None
        return stats.total_plays, stats.net
