"""Presence's request subject: ``kryten.economy.presence.command``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, day_str
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.presence import (
    PresentUsers,
    PresentUsersRequest,
    TickNowRequest,
    TickResult,
    UserStatus,
    UserStatusRequest,
)
from economy_shared.users import user_key

from .sessions import SessionBook
from .store import PresenceStore
from .ticker import Ticker
from .timed.streaks import StreakState


def register(
    router: RequestRouter,
    books: Mapping[str, SessionBook],
    channels: ChannelDirectory,
    store: PresenceStore,
    ticker: Ticker,
    present_names: Callable[[str], list[str]],
    streak_days: Callable[[str, str], Awaitable[int]],
    clock: Clock,
    streak_state: Callable[[str, str], Awaitable[StreakState]] | None = None,
) -> None:
    def channel_of(channel: str) -> str:
        known = channels.known(channel)
        if known is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        return known

    @router.route(UserStatusRequest)
    async def user_status(req: UserStatusRequest) -> UserStatus:
        channel = channel_of(req.channel)
        key = user_key(req.user)
        session = books[channel].sessions.get(key)
        state = await streak_state(channel, key) if streak_state is not None else StreakState()
        return UserStatus(
            present=session is not None,
            afk=bool(session and session.afk),
            minutes_today=await store.minutes_on(channel, key, day_str(clock.now())),
            streak_days=await streak_days(channel, key),
            longest_streak_days=state.longest,
            last_streak_day=state.last_day.isoformat() if state.last_day else None,
        )

    @router.route(PresentUsersRequest)
    async def present_users(req: PresentUsersRequest) -> PresentUsers:
        known = channels.known(req.channel)
        return PresentUsers(users=present_names(known) if known is not None else [])

    @router.route(TickNowRequest)
    async def tick_now(req: TickNowRequest) -> TickResult:
        """One extra presence minute now (operators, benchmarks), numbered apart from the schedule.

        It takes no wall-clock slot, so the scheduled ticks all still run, and each slot is paid once.
        """
        reports = await ticker.manual(clock.now())
        return TickResult(
            credited=sum(r.credited_users for r in reports),
            tick_ms=round(sum(r.seconds for r in reports) * 1000, 2),
            tick_id=int(reports[0].tick_id.lstrip("m")) if reports else 0,
        )
