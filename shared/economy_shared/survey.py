"""Ask every service's ``system.ping`` at once and sum up who is up (``system.health``, ``kryten-economy status``).

One implementation for the public ``system.health`` (ledger, public_api.py) and the operator CLI
(economy_ops): a service is "up" when it answers ready, "starting" when it answers not ready yet,
"down" when it does not answer within the timeout. The whole is "healthy" only when every one is up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal

from pydantic import BaseModel, Field

from .envelope import Reply
from .schemas.base import PingRequest
from .subjects import SERVICE_NAMES, ServiceName

AskService = Callable[[ServiceName, PingRequest, float], Awaitable[Reply]]
ServiceState = Literal["up", "starting", "down"]
PING_TIMEOUT_SECONDS = 1.5


class ServiceStatus(BaseModel):
    service: str
    state: ServiceState
    ready: bool = False
    version: str | None = None
    error: str | None = None
    seconds: float = 0.0


class Survey(BaseModel):
    status: Literal["healthy", "degraded"]
    services: list[ServiceStatus] = Field(default_factory=list)
    down: list[str] = Field(default_factory=list)  # every service not up (down or still starting)


def status_from_reply(service: str, reply: Reply, seconds: float) -> ServiceStatus:
    """Pure: one ping answer (or the ``unavailable`` reply a silent service gives) → its state."""
    if not reply.success:
        return ServiceStatus(service=service, state="down", error=reply.error or reply.error_code, seconds=seconds)
    ready = bool(reply.data.get("ready"))
    version = reply.data.get("version")
    return ServiceStatus(service=service, state="up" if ready else "starting", ready=ready,
                         version=str(version) if version is not None else None, seconds=seconds)


def summarize(statuses: Iterable[ServiceStatus]) -> Survey:
    """Pure: "healthy" only when every service answered ready; ``down`` names the others."""
    items = list(statuses)
    down = [s.service for s in items if s.state != "up"]
    return Survey(status="degraded" if down or not items else "healthy", services=items, down=down)


async def survey(ask: AskService, channel: str, names: Iterable[ServiceName] = SERVICE_NAMES,
                 timeout: float = PING_TIMEOUT_SECONDS) -> Survey:
    """Ping every named service concurrently; a slow one costs at most ``timeout``, not one timeout each."""
    loop = asyncio.get_running_loop()

    async def one(name: ServiceName) -> ServiceStatus:
        started = loop.time()
        try:
            reply = await asyncio.wait_for(ask(name, PingRequest(channel=channel), timeout), timeout + 0.5)
        except Exception as err:  # TimeoutError or a transport error the caller did not turn into a reply
            reply = Reply(command="system.ping", success=False, error=type(err).__name__, error_code="unavailable")
        return status_from_reply(name, reply, round(loop.time() - started, 3))

    return summarize(await asyncio.gather(*(one(n) for n in names)))
