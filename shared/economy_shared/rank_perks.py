"""A user's rank perks, asked of the ledger's ``ledger.rank_perks`` (DECISIONS 17): the discount, the
extra queues per day, the free daily fortune and the channel's price factor. Used by every spender
(media's queue prices, the announcer's vanity shop). Whenever the ledger does not answer, a user gets
no discount and no perk: prices are never lowered on a guess.
"""

from __future__ import annotations

from typing import Any

from .envelope import ErrorCode
from .runtime.logging import get_logger
from .runtime.requests import call
from .schemas.ledger import RankPerksRequest, RankPerksResult
from .subjects import service_subject

log = get_logger("economy.rank_perks")


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
            if not self._told_unknown:  # a ledger older than this service; say it once
                self._told_unknown = True
                log.info("rank_perks_not_served_by_ledger", detail="no discount and no perks")
        else:
            log.warning("rank_perks_unavailable", user=user, error_code=reply.error_code)
        return RankPerksResult(user=user)
