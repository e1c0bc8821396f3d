"""Presence's request subject: ``kryten.economy.presence.command``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.clock import day_str
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schemas.presence import (
    PresentUsers,
    PresentUsersRequest,
    TickNowRequest,
    TickResult,
    UserStatus,
    UserStatusRequest,
)
from economy_shared.users import user_key

from .tick import run_manual_tick

if TYPE_CHECKING:
    from .service import PresenceService


def register(service: PresenceService) -> None:
    router = service.router

    def book_of(channel: str):  # noqa: ANN202 - local helper
        book = service.book_for(channel)
        if book is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        return book

    @router.route(UserStatusRequest)
    async def user_status(req: UserStatusRequest) -> UserStatus:
        book = book_of(req.channel)
        key = user_key(req.user)
        session = book.sessions.get(key)
        minutes = await service.store.minutes_on(service.canonical(req.channel), key, day_str(service.clock.now()))
        return UserStatus(
            present=session is not None,
            afk=bool(session and session.afk),
            minutes_today=minutes,
            streak_days=await service.streak_days(req.channel, key),
        )

    @router.route(PresentUsersRequest)
    async def present_users(req: PresentUsersRequest) -> PresentUsers:
        return PresentUsers(users=service.eligible_names(service.canonical(req.channel)))

    @router.route(TickNowRequest)
    async def tick_now(req: TickNowRequest) -> TickResult:
        """An extra presence minute now (operators, benchmarks), outside the wall-clock schedule:
        the next scheduled tick still runs (see tick.run_manual_tick)."""
        reports = await run_manual_tick(service, service.clock.now())
        return TickResult(
            credited=sum(r.credited_users for r in reports),
            tick_ms=round(sum(r.seconds for r in reports) * 1000, 2),
            tick_id=service.last_slot,
        )
