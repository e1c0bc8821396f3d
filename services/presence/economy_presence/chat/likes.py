"""``like``: the current play earns its liker once per user per play, only while present and playing.

The use case answers with a ``LikeResult``; the PM wording is in the top-level ``commands.py``.
A like whose credit got no answer stays claimed: the credit path keeps the request and re-sends it
with the same key and body, so it is paid once; asking again would pay nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from economy_shared.clock import Clock, day_str
from economy_shared.config import EconomyConfig
from economy_shared.users import user_key

from .engine import LIKE, ChatEngine
from .payer import TriggerPayer
from .store import ChatStore


class LikeStatus(StrEnum):
    PAID = "paid"
    PENDING = "pending"  # no answer yet: kept and re-sent; paid once the ledger answers
    DISABLED = "disabled"
    NOTHING_PLAYING = "nothing_playing"
    NOT_PRESENT = "not_present"
    ALREADY = "already"
    BANNED = "banned"
    FAILED = "failed"  # refused for another reason: the like is released


@dataclass(frozen=True)
class LikeResult:
    status: LikeStatus
    title: str = ""
    reward: int = 0


class Likes:
    def __init__(
        self,
        engine: ChatEngine,
        store: ChatStore,
        payer: TriggerPayer,
        config: Callable[[], EconomyConfig],
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._store = store
        self._payer = payer
        self._config = config
        self._clock = clock

    async def like(self, channel: str, user: str) -> LikeResult:
        t = self._config().content_triggers.like_current
        if not t.enabled or t.reward <= 0:
            return LikeResult(LikeStatus.DISABLED)
        st = self._engine.state(channel)
        now = self._clock.now()
        play = st.play if st is not None else None
        if st is None or play is None or not play.running(now):
            return LikeResult(LikeStatus.NOTHING_PLAYING)
        title = play.title if len(play.title) <= 80 else play.title[:79] + "…"
        key = user_key(user)
        if key not in self._engine.people.present(st.name):
            return LikeResult(LikeStatus.NOT_PRESENT)
        if key in play.likers:
            return LikeResult(LikeStatus.ALREADY, title)
        play.likers.add(key)  # claimed before any await: a second `like` racing this one sees it
        await self._store.add_like(st.name, play.play_id, key)
        reward, meta = self._payer.boost(st.name, user, t.reward)
        outcome = await self._payer.pay_now(st.name, LIKE, user, reward, (key, play.play_id),
                                            "Liked current media", day_str(now), boost_meta=meta)
        if outcome.moved:
            return LikeResult(LikeStatus.PAID, title, reward)
        if not outcome.answered:
            return LikeResult(LikeStatus.PENDING, title, reward)
        play.likers.discard(key)  # refused: nothing was paid, let them try again when they can
        await self._store.remove_like(st.name, play.play_id, key)
        return LikeResult(LikeStatus.BANNED if outcome.banned else LikeStatus.FAILED, title)
