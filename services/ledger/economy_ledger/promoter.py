"""Raise a user's CyTube level, unless they already stand at or above it (DECISIONS 18: never lower anyone).

The one step both the rank perk (rank_notifier.py) and the paid promotion (promotions.py) take: read
the user's CyTube rank from the robot's userlist, then ask ``safe_set_channel_rank(..., check_rank=False)``
(kryten-py's own rank check does not match kryten-robot). ``safe_*`` never raises by contract; a broken
client counts as a failure all the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

RankOf = Callable[[str, str], Awaitable[int]]  # (channel, user) -> the user's CyTube rank now


@dataclass(frozen=True)
class PromotionAttempt:
    outcome: Literal["done", "skipped", "failed"]  # skipped: already at or above the level
    current: int  # the CyTube rank the userlist showed before
    error: str = ""


class CytubePromoter:
    def __init__(self, robot: Any, rank_of: RankOf) -> None:
        self._robot = robot  # the kryten client
        self._rank_of = rank_of

    async def current(self, channel: str, user: str) -> int:
        return await self._rank_of(channel, user)

    async def promote(self, channel: str, user: str, level: int) -> PromotionAttempt:
        current = await self._rank_of(channel, user)
        if current >= level:
            return PromotionAttempt("skipped", current)
        try:
            result = await self._robot.safe_set_channel_rank(channel, user, level, check_rank=False)
        except Exception as err:  # a broken client must not stop the caller
            result = {"success": False, "error": type(err).__name__}
        if isinstance(result, dict) and result.get("success"):
            return PromotionAttempt("done", current)
        error = result.get("error") if isinstance(result, dict) else "no answer"
        return PromotionAttempt("failed", current, str(error or "refused"))
