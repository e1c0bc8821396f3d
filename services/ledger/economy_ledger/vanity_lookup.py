"""What the ledger asks the announcer for ``profile``: a user's vanity items (``announcer.vanity_get``).

The profile must answer while the announcer (the shop) is down or slow, so the wait is short (~1 s)
and any failure is None: the profile leaves the vanity line out. The line itself is pure
(``vanity_bits``): ``🎭 Title: Scream Queen · Colour: Hot Pink · Greeting ✓ · GIF ✓ · Currency: Bobux``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from economy_shared.envelope import ErrorCode
from economy_shared.runtime.logging import get_logger
from economy_shared.runtime.requests import call
from economy_shared.schemas.vanity import VanityGetRequest, VanityState
from economy_shared.subjects import service_subject

log = get_logger("economy.ledger.vanity_lookup")

PROFILE_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class VanityBits:
    title: str  # "" = none
    line: str  # "" = owns nothing


def vanity_bits(state: VanityState) -> VanityBits:
    """The profile's pieces of what a user owns (pure)."""
    parts: list[str] = []
    if state.title:
        parts.append(f"Title: {state.title}")
    if state.color_name:
        parts.append(f"Colour: {state.color_name}")
    if state.greeting:
        parts.append("Greeting ✓")
    if state.gif_url:
        parts.append("GIF ✓")
    elif state.gif_pending:
        parts.append("GIF ⏳")
    if state.currency_name:
        parts.append(f"Currency: {state.currency_name}")
    return VanityBits(state.title, "🎭 " + " · ".join(parts) if parts else "")


class VanityLookup:
    def __init__(self, client: Any, timeout: float = PROFILE_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._timeout = timeout

    async def state(self, channel: str, user: str) -> VanityState | None:
        """What ``user`` owns; None when the announcer cannot tell (down, slow or refusing)."""
        reply = await call(self._client, service_subject("announcer"), VanityGetRequest(channel=channel, user=user),
                           timeout=self._timeout)
        if not reply.success:
            if reply.error_code not in (ErrorCode.UNAVAILABLE, ErrorCode.UNKNOWN_COMMAND):
                log.warning("vanity_get_refused", channel=channel, code=reply.error_code, error=reply.error)
            return None
        try:
            return VanityState.model_validate(reply.data)
        except ValidationError:
            log.warning("vanity_get_unreadable", channel=channel)
            return None

    async def bits(self, channel: str, user: str) -> VanityBits | None:
        """The profile's title and vanity line; None when the announcer did not answer."""
        state = await self.state(channel, user)
        return vanity_bits(state) if state is not None else None
