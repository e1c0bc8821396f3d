"""Presence requests: who is here, and what presence knows about a user."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName


class UserStatusRequest(Request):
    command: Literal["presence.user_status"] = "presence.user_status"
    user: UserName


class UserStatus(Result):
    present: bool
    afk: bool = False
    streak_days: int = 0
    minutes_today: int = 0
    longest_streak_days: int = 0  # issue 14: the importer reads streaks back
    last_streak_day: str | None = None  # "YYYY-MM-DD" (UTC), the last counted day


class PresentUsersRequest(Request):
    command: Literal["presence.present_users"] = "presence.present_users"


class PresentUsers(Result):
    users: list[str] = Field(default_factory=list)  # display names of earning-eligible present users


class TickNowRequest(Request):
    """Run one presence tick now (operators and benchmarks); the tick id makes it idempotent."""

    command: Literal["presence.tick"] = "presence.tick"


class TickResult(Result):
    credited: int
    tick_ms: float
    tick_id: int
