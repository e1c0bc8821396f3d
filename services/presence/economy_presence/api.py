"""Presence's request subject: ``kryten.economy.presence.command``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.clock import day_str
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.schedule import boundary_index
from economy_shared.schemas.presence import (
    PresentUsers,
    PresentUsersRequest,
    TickNowRequest,
    TickResult,
    UserStatus,
    UserStatusRequest,
)
from economy_shared.users import user_key

from .tick import run_tick

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
        """Run the next tick now (operators, benchmarks): credits one presence minute immediately.

        The slot is the next unused one, so the wall-clock schedule never pays the same slot twice.
        """
        now = service.clock.now()
        slot = max(boundary_index(now, service.config.presence.tick_interval_seconds), service.last_slot + 1)
        reports = await run_tick(service, slot, now)
        mine = next((r for r in reports), None)
        return TickResult(
            credited=sum(r.credited_users for r in reports),
            tick_ms=round(sum(r.seconds for r in reports) * 1000, 2),
            tick_id=mine.slot if mine else slot,
        )
