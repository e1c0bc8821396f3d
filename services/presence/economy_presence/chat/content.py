"""Media changes and arrivals: new plays, "survived full media", greeting windows, restart recovery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from economy_shared.clock import Clock, day_str, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.users import user_key

from ..sessions import Arrival
from . import media
from . import triggers as tr
from .engine import SURVIVED, ChannelChat, ChatEngine

log = get_logger("economy.presence.chat")


class ContentEvents:
    def __init__(
        self,
        engine: ChatEngine,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        current_media: Callable[[str], Awaitable[Any]],
        kv_get: Callable[..., Awaitable[Any]],
    ) -> None:
        self.engine = engine
        self._config = config
        self._clock = clock
        self._current_media = current_media
        self._kv_get = kv_get

    def eligible_present(self, channel: str) -> dict[str, str]:
        cfg = self._config()
        return {k: s.display for k, s in self.engine.people.present(channel).items() if not cfg.is_ignored(s.display)}

    def on_change(self, event: Any) -> None:
        st = self.engine.state(getattr(event, "channel", "") or "")
        info = media.from_event(event)
        if st is None or info is None:
            return
        now = self._clock.now()
        if st.play is not None and st.play.is_same(info, now):
            return  # the robot re-announced the item already playing: keep likes and claims
        previous = st.play
        st.play = media.start_play(info, now, self.eligible_present(st.name))
        self.engine.dirty_plays.add(st.name)
        self.engine.changed()
        if previous is not None:
            self.pay_survivors(st, previous, now)

    def pay_survivors(self, st: ChannelChat, play: media.Play, now: datetime) -> int:
        t = self._config().content_triggers.survived_full_media
        if not t.enabled or t.reward <= 0:
            return 0
        if not tr.media_ran_enough(play.started, play.duration_s, now, t.min_presence_percent):
            return 0
        cfg = self._config()
        ignored = {k for k, display in play.present_at_start.items() if cfg.is_ignored(display)}
        winners = tr.survivors(play.present_at_start, self.eligible_present(st.name), play.rejoined, ignored)
        day = day_str(now)
        for key, display in winners.items():
            self.engine.payer.pay(st.name, SURVIVED, display, t.reward, (key, play.play_id),
                                  f"Survived: {play.title}", day)
        if winners:
            log.info("survivors_paid", channel=st.name, play=play.play_id, users=len(winners))
        return len(winners)

    def on_arrival(self, channel: str, arrival: Arrival) -> None:
        """A genuine arrival (not a bounce): open a greeting window; it breaks any "survived" run."""
        st = self.engine.state(channel)
        if st is None or self._config().is_ignored(arrival.display):
            return
        now = self._clock.now()
        window = self._config().social_triggers.greeted_newcomer.window_seconds
        tr.prune_joins(st.joins, now, window)
        key = user_key(arrival.display)
        st.joins[key] = tr.RecentJoin(arrival.display, now, str(to_ms(now)))
        if st.play is not None:
            st.play.rejoined.add(key)

    def on_emotes(self, event: Any) -> None:
        st = self.engine.state(getattr(event, "channel", "") or "")
        if st is not None:
            st.emotes = emote_names(getattr(event, "payload", None))

    async def recover(self, channel: str, saved: media.Play | None) -> None:
        """After a restart: the robot's KV says what is playing; keep our saved play if it matches."""
        st = self.engine.channels[channel]
        kv_known, kv = True, None
        try:
            raw = await self._current_media(channel)
            kv = media.from_payload(raw) if isinstance(raw, dict) else None
        except Exception as err:  # BucketNotFoundError, timeouts, no robot yet
            kv_known = False
            log.info("no_robot_current_media", channel=channel, error=type(err).__name__)
        st.play = media.recover(saved, kv, kv_known, self._clock.now())
        if st.play is not saved:
            self.engine.dirty_plays.add(channel)
            self.engine.changed()

    async def load_emotes(self, channel: str) -> None:
        try:
            raw = await self._kv_get(f"kryten_{channel}_emotes", "list", default=None, parse_json=True)
        except Exception as err:
            log.info("no_robot_emotes", channel=channel, error=type(err).__name__)
            return
        self.engine.channels[channel].emotes = emote_names(raw)


def emote_names(raw: Any) -> frozenset[str]:
    """The robot stores CyTube's emote list: dicts with ``name`` (plain strings are accepted too)."""
    if not isinstance(raw, list):
        return frozenset()
    names = (e.get("name") if isinstance(e, dict) else e for e in raw)
    return frozenset(n for n in names if isinstance(n, str) and n.strip())
