"""Daily competitions (sprint 7, presence): the ledger's day earnings and the results request."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import Request, Result

Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class DailyEarningsRequest(Request):
    """Everyone's REAL earnings of one UTC day (``kind`` earn, competition awards excluded); the
    ledger keeps three days."""

    command: Literal["ledger.daily_earnings"] = "ledger.daily_earnings"
    day: Day


class DayEarning(Result):
    user: str  # user key
    earned: int


class DailyEarningsResult(Result):
    users: list[DayEarning] = Field(default_factory=list)


class CompetitionsRequest(Request):
    """A day's results (``day`` given and evaluated) or today's standings (``day`` omitted)."""

    command: Literal["presence.competitions"] = "presence.competitions"
    day: Day | None = None


class CompetitionWinner(Result):
    user: str
    value: int
    reward: int


class CompetitionStanding(Result):
    id: str
    description: str
    type: str
    field: str
    winners: list[CompetitionWinner] = Field(default_factory=list)
    pending: bool = False  # z_earned waiting for the ledger


class CompetitionsResult(Result):
    day: str
    evaluated: bool
    competitions: list[CompetitionStanding] = Field(default_factory=list)
