"""The public ``system.health`` asks every service's ``system.ping`` (issue 11, economy_shared/survey.py):
"healthy" only when all five answer ready, else "degraded" naming who is down."""

from __future__ import annotations

from typing import Any

from economy_announcer.service import AnnouncerService
from economy_gambling.service import GamblingService
from economy_ledger.service import LedgerService
from economy_media.service import MediaService
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from economy_shared.testing import MockKrytenClient
from tests.helpers import CHANNEL, Stack


async def presence_stand_in(stack: Stack) -> None:
    """Presence answers ping like a real service (PresenceService is exercised by the system test)."""
    client = MockKrytenClient(stack.bus, channel=CHANNEL)

    async def ping(_: dict[str, Any]) -> dict[str, Any]:
        return {"service": "presence", "command": "system.ping", "success": True,
                "data": {"pong": True, "service": "presence", "version": "0.1.0", "ready": True}}

    await client.subscribe_request_reply(service_subject("presence"), ping)


async def health(stack: Stack) -> dict[str, Any]:
    reply = await stack.request(PUBLIC_COMMAND, {"command": "system.health"})
    assert reply["success"], reply
    return reply["data"]


async def test_health_is_degraded_and_names_the_services_that_do_not_answer(stack: Stack) -> None:
    await stack.add(LedgerService)
    await stack.add(AnnouncerService)
    data = await health(stack)
    assert data["status"] == "degraded"
    assert data["down"] == ["presence", "gambling", "media"]
    assert data["services"]["ledger"]["state"] == "up" and data["services"]["ledger"]["version"]
    assert data["services"]["announcer"]["state"] == "up"
    assert data["services"]["media"]["state"] == "down"
    assert data["accounts"] == 0 and data["database"] == "connected"


async def test_health_is_healthy_when_all_five_answer_ready(stack: Stack) -> None:
    await presence_stand_in(stack)
    for cls in (LedgerService, AnnouncerService, GamblingService, MediaService):
        await stack.add(cls)
    data = await health(stack)
    assert (data["status"], data["down"]) == ("healthy", [])
    assert sorted(data["services"]) == ["announcer", "gambling", "ledger", "media", "presence"]
    assert all(s["ready"] for s in data["services"].values())


async def test_a_service_that_is_not_ready_yet_makes_health_degraded(stack: Stack) -> None:
    await presence_stand_in(stack)
    for cls in (LedgerService, AnnouncerService, GamblingService):
        await stack.add(cls)
    media = await stack.add(MediaService)
    media.started = False  # answering ping, start() not finished
    data = await health(stack)
    assert data["status"] == "degraded" and data["down"] == ["media"]
    assert data["services"]["media"]["state"] == "starting"
    assert CHANNEL  # the default channel is filled in by the public router
