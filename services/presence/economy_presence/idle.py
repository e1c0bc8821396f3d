"""Effective AFK (DECISIONS 9): CyTube's AFK flag, or ``presence.afk_threshold_minutes`` without chat.

A session's last activity is its start, then every chat message it sends (``ActivityWatch``, which runs
before the chat rewards on every ``chatmsg``). The tick pays an effectively-AFK user the base rate but
not the active bonus, and counts the minute as present but not active. Threshold 0: only the flag.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.users import SERVER_NAME, user_key

from .chat.matching import clean
from .eligibility import EarningGate
from .sessions import Session, SessionBook


class Idle:
    """An effectively-AFK session as the minute's rules see it: ``afk`` is True, the rest is the session's.

    Slotted and built from the session alone: the tick makes one per idle user every minute (most of a
    big channel idles), so this must stay cheap (a frozen dataclass cost ~18 ms per 10,000).
    """

    __slots__ = ("_session", "display")
    afk = True

    def __init__(self, session: Session) -> None:
        self._session = session
        self.display = session.display

    def __getattr__(self, name: str) -> Any:  # anything else (started, rank …) reads through
        return getattr(self._session, name)


def effective_afk(present: dict[str, Session], now: datetime, threshold_minutes: int) -> dict[str, Session]:
    """``present`` with sessions idle for ``threshold_minutes`` or more shown as AFK (the sessions themselves
    are never changed); ``present`` itself when the threshold is 0 (only CyTube's flag counts)."""
    if threshold_minutes <= 0:
        return present
    cutoff = now - timedelta(minutes=threshold_minutes)
    return {
        k: s if s.afk or (s.last_active or s.started) > cutoff else Idle(s)  # type: ignore[misc]
        for k, s in present.items()
    }


class ActivityWatch:
    """The first ``chatmsg`` handler: a chat line is activity (resets idling) and, for the earning gate,
    one lifetime message — counted under exactly the conditions the chat engine bumps ``messages_sent``."""

    def __init__(
        self,
        books: Mapping[str, SessionBook],
        channels: ChannelDirectory,
        gate: EarningGate,
        config: Callable[[], EconomyConfig],
        clock: Clock,
    ) -> None:
        self._books = books
        self._channels = channels
        self._gate = gate
        self._config = config
        self._clock = clock

    def on_message(self, event: Any) -> None:
        name = getattr(event, "username", None)
        channel = self._channels.known(getattr(event, "channel", "") or "")
        if not isinstance(name, str) or channel is None or getattr(event, "shadow", False):
            return
        key = user_key(name)
        cfg = self._config()
        if not key or key == SERVER_NAME or key == user_key(cfg.bot.username) or cfg.is_ignored(name):
            return
        if not clean(getattr(event, "message", "") or "").strip():
            return
        now = self._clock.now()
        book = self._books.get(channel)
        session = book.sessions.get(key) if book is not None else None
        if session is not None:
            session.last_active = now
        self._gate.counted(channel, key, now)

    def wrap(self, handler: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """``handler`` (the chat rewards) preceded by this watch, so a message counts before it can pay."""

        async def on_chat(event: Any) -> None:
            self.on_message(event)
            await handler(event)

        return on_chat
