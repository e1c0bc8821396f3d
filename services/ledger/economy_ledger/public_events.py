"""The original's event names on the public ``kryten.economy.command``, forwarded to presence, which owns
earning events and multipliers (DECISIONS 11, 24): ``events.list`` (what ``events`` shows: never a
hidden source), and the admin ``event.start`` / ``event.stop`` — refused with ``forbidden`` unless
``api.allow_admin_commands``. The original's ad-hoc event was global; here it belongs to ``channel``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import Field

from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, Reply, ServiceError
from economy_shared.pm.liveness import CLOSED
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import RequestRouter
from economy_shared.schemas.base import Request, UserName
from economy_shared.schemas.events import ActiveMultipliersRequest, EventStartRequest, EventStopRequest

from .public_gate import admit_public_admin

AskPresence = Callable[[Request, float], Awaitable[Reply]]
TIMEOUT_SECONDS = 5.0
log = get_logger("economy.public_events")


class EventsList(Request):
    command: Literal["events.list"] = "events.list"


class EventStart(Request):
    command: Literal["event.start"] = "event.start"
    multiplier: float = Field(gt=0, le=100)
    minutes: int = Field(ge=1, le=100_000)
    name: str = Field(min_length=1, max_length=200)
    admin: UserName = "api"


class EventStop(Request):
    command: Literal["event.stop"] = "event.stop"
    admin: UserName = "api"


def answered(reply: Reply) -> dict:
    if reply.success:
        return reply.data
    if reply.service != "presence":  # nobody answered
        raise ServiceError(ErrorCode.UNAVAILABLE, CLOSED["presence"])
    raise ServiceError(reply.error_code or ErrorCode.INTERNAL, reply.error or "presence refused", reply.data)


def register_event_forwards(router: RequestRouter, ask: AskPresence, config: Callable[[], EconomyConfig]) -> None:
    @router.route(EventsList)
    async def events_list(req: EventsList) -> dict:
        return answered(await ask(ActiveMultipliersRequest(channel=req.channel), TIMEOUT_SECONDS))

    @router.route(EventStart)
    async def event_start(req: EventStart) -> dict:
        admit_public_admin(config(), req)
        return answered(await ask(EventStartRequest(channel=req.channel, admin=req.admin, multiplier=req.multiplier,
                                                    minutes=req.minutes, name=req.name), TIMEOUT_SECONDS))

    @router.route(EventStop)
    async def event_stop(req: EventStop) -> dict:
        admit_public_admin(config(), req)
        return answered(await ask(EventStopRequest(channel=req.channel, admin=req.admin), TIMEOUT_SECONDS))
