"""``stats.inflation`` on the public ``kryten.economy.command``: the channel's inflation governor now
(config ``inflation``; inflation.py). Read only; the factor every spend price is scaled by.
"""

from __future__ import annotations

from typing import Literal

from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, Result

from .inflation import InflationGovernor


class StatsInflation(Request):
    command: Literal["stats.inflation"] = "stats.inflation"


class PublicInflation(Result):
    enabled: bool
    multiplier: float
    float: int  # the Z held by users (system accounts left out), as last read
    anchor_float: int
    min_multiplier: float
    max_multiplier: float


def register_inflation_routes(router: RequestRouter, governor: InflationGovernor) -> None:
    @router.route(StatsInflation)
    async def stats_inflation(req: StatsInflation) -> PublicInflation:
        s = await governor.state(req.channel)
        return PublicInflation(enabled=s.enabled, multiplier=round(s.multiplier, 4), float=s.channel_float,
                               anchor_float=s.anchor_float, min_multiplier=s.min_multiplier,
                               max_multiplier=s.max_multiplier)
