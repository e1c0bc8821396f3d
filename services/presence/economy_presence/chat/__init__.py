"""Chat, content and social earning (sprint 3): every trigger, ``rewards`` and ``like``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..service import PresenceService

# Migration 3 of the presence database belongs to this package.
MIGRATION: list[str] = []


class ChatRewards:
    def __init__(self, service: PresenceService) -> None:
        self.service = service

    async def setup(self) -> None:
        """Register event handlers (``chatmsg``, ``changemedia``) and PM commands (``rewards``, ``like``)."""

    async def start(self) -> None:
        """Recover the current media from the robot's KV state."""
