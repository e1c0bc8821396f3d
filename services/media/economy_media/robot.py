"""The CyTube playlist through kryten-robot: add an item, jump to it, look at what is queued. Never raises.

``add_media`` returns the robot's whole reply (ecosystem §2.2): the result is in ``["data"]``
(``{"success", "uid"}``, or ``{"success": false, "error", "queue_fail"}`` when CyTube refused it). The
timeout is at least 10 s because the robot itself waits up to 8 s for CyTube. What an answer means:

- ``ADDED``: CyTube took it (``uid`` may be None when CyTube never confirmed within the robot's wait);
- ``REFUSED``: certainly not added: CyTube's queueFail, or the robot refused the command;
- ``ABSENT``: certainly not added: nobody answers the robot's subject (the robot is not running);
- ``UNKNOWN``: no answer in time; the robot may still have added it (resolved by ``holds``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger

log = get_logger("economy.media.robot")

ADD_TIMEOUT_SECONDS = 10.0
STATE_TIMEOUT_SECONDS = 3.0
# Raised before anything reached the robot (kryten-py / nats-py names; nats is never imported here).
_NOT_SENT = {"NoRespondersError", "KrytenConnectionError"}


class Added(StrEnum):
    ADDED = "added"
    REFUSED = "refused"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AddOutcome:
    status: Added
    uid: int | str | None = None
    error: str = ""


def read_add_reply(reply: Any) -> AddOutcome:
    """Interpret what ``add_media`` returned (the robot's envelope, or a flat ``{"success", "uid"}``)."""
    if not isinstance(reply, dict):
        return AddOutcome(Added.UNKNOWN, error="the robot sent an unreadable answer")
    if "success" not in reply:  # kryten-py's {"error": "Internal error"}: the handler broke somewhere
        return AddOutcome(Added.UNKNOWN, error=str(reply.get("error") or "unreadable answer"))
    if reply.get("success") is not True:
        return AddOutcome(Added.REFUSED, error=str(reply.get("error") or "the robot refused the command"))
    data = reply.get("data") if isinstance(reply.get("data"), dict) else reply
    if data.get("success") is True:
        uid = data.get("uid")
        return AddOutcome(Added.ADDED, uid=uid if isinstance(uid, int | str) else None)
    fail = data.get("queue_fail") if isinstance(data.get("queue_fail"), dict) else {}
    why = data.get("error") or fail.get("msg") or "CyTube refused it"
    return AddOutcome(Added.REFUSED, error=str(why)[:200])


class Playlist:
    def __init__(self, client: Any, config: Callable[[], EconomyConfig],
                 add_timeout: float = ADD_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._config = config
        self._add_timeout = max(ADD_TIMEOUT_SECONDS, add_timeout)

    async def add(self, channel: str, media_type: str, media_id: str, position: str) -> AddOutcome:
        try:
            reply = await self._client.add_media(channel, media_type, media_id, position=position, temp=True,
                                                 domain=self._config().domain_of(channel),
                                                 timeout=self._add_timeout)
        except TimeoutError:
            return AddOutcome(Added.UNKNOWN, error=f"the robot did not answer within {self._add_timeout:g}s")
        except Exception as err:
            name = type(err).__name__
            if name in _NOT_SENT:
                return AddOutcome(Added.ABSENT, error="the robot is not answering")
            log.warning("add_media_failed", channel=channel, error=repr(err))
            return AddOutcome(Added.UNKNOWN, error=f"the robot call failed ({name})")
        return read_add_reply(reply)

    async def jump(self, channel: str, uid: int | str) -> bool:
        try:
            await self._client.jump_to(channel, uid, domain=self._config().domain_of(channel))
            return True
        except Exception as err:
            log.warning("jump_to_failed", channel=channel, uid=uid, error=repr(err))
            return False

    async def holds(self, channel: str, media_type: str, media_id: str) -> bool | None:
        """Whether the robot's playlist state shows this item; None when the state cannot be read."""
        try:
            items = await asyncio.wait_for(
                self._client.get_state_playlist_items(channel, domain=self._config().domain_of(channel)),
                STATE_TIMEOUT_SECONDS,
            )
        except Exception as err:
            log.warning("playlist_state_unreadable", channel=channel, error=repr(err))
            return None
        for entry in items or []:
            media = entry.get("media") if isinstance(entry, dict) else None
            if isinstance(media, dict) and media.get("type") == media_type and media.get("id") == media_id:
                return True
        return False
