"""A user's rank perks, asked of the ledger's ``ledger.rank_perks`` (DECISIONS 17): the discount and
the extra queues per day. Whenever the ledger does not answer, a user gets no discount and no extra
queues: prices are never lowered on a guess.
"""

from __future__ import annotations

from typing import Any

from economy_shared.envelope import ErrorCode
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import call
from economy_shared.schemas.ledger import RankPerksRequest, RankPerksResult
from economy_shared.subjects import service_subject

log = get_logger("economy.media.perks")


class RankPerks:
    def __init__(self, client: Any, timeout: float = 2.0) -> None:
        self._client = client
        self._timeout = timeout
        self._subject = service_subject("ledger")
        self._told_unknown = False

    async def of(self, channel: str, user: str) -> RankPerksResult:
        reply = await call(self._client, self._subject, RankPerksRequest(channel=channel, user=user), self._timeout)
        if reply.success:
            try:
                return RankPerksResult.model_validate(reply.data)
            except ValueError:
                log.warning("rank_perks_malformed", user=user)
        elif reply.error_code == ErrorCode.UNKNOWN_COMMAND:
            if not self._told_unknown:  # a ledger older than this media service; say it once
                self._told_unknown = True
                log.info("rank_perks_not_served_by_ledger", detail="no discount and no extra queues")
        else:
            log.warning("rank_perks_unavailable", user=user, error_code=reply.error_code)
        return RankPerksResult(user=user)
