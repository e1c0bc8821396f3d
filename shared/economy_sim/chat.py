"""Chat, content and social triggers, through presence's pure trigger rules (chat/triggers.py, limits.py).

A simulated message is not text but a handful of facts drawn from the sender's habits (long, a laugh,
kudos for someone, a mention, a GIF, a greeting). Each is judged by the same rule functions, caps and
windows as ``ChatEngine.on_message``, in the same order, and each payment goes through the earning
multipliers (DECISIONS 11). Not simulated: the bot-interaction trigger (it needs the bot's own lines).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime

from economy_presence.accrual import accrue, to_milli
from economy_presence.chat import triggers as tr
from economy_presence.chat.engine import (
    COMMENT,
    FIRST_AFTER,
    FIRST_OF_DAY,
    GREETED,
    KUDOS,
    LAUGH,
    LIKE,
    LONG,
    MENTIONED,
    STARTER,
    SURVIVED,
    ChannelChat,
)
from economy_presence.chat.limits import Limits
from economy_presence.chat.media import MediaInfo, start_play
from economy_shared.config import EconomyConfig

from .people import Person

Pay = Callable[[Person, str, int], None]  # (user, trigger id, base Z): boosted and posted by the world
LIKE_SHARE = 0.05  # of messages during a play, a `like` PM for it


class ChatSim:
    def __init__(self, config: EconomyConfig, rng: random.Random, pay: Pay, channel: str) -> None:
        self.cfg = config
        self.rng = rng
        self.pay = pay
        self.channel = channel
        self.st = ChannelChat(channel)
        self.limits = Limits()

    # ---- one message ---------------------------------------------------------------------------------
    def message(self, p: Person, now: datetime, present: dict[str, Person]) -> None:
        h, rng, cfg, st = p.habits, self.rng, self.cfg, self.st
        p.messages += 1
        counts = p.day_counts
        counts["messages_sent"] = counts.get("messages_sent", 0) + 1
        if rng.random() < h.gif_share:
            counts["gifs_posted"] = counts.get("gifs_posted", 0) + 1
        laugh = rng.random() < h.laugh_share
        long = not laugh and rng.random() < h.long_share
        others = [q for k, q in present.items() if k != p.key] if present else []
        kudos = rng.choice(others) if others and not laugh and rng.random() < h.kudos_share else None
        mention = rng.choice(others) if others and not laugh and rng.random() < h.mention_share else None
        ct, co, so = cfg.chat_triggers, cfg.content_triggers, cfg.social_triggers
        if long and ct.long_message.enabled and ct.long_message.reward > 0:
            w = tr.hour_window(now)
            if self.limits.claim(self.channel, f"{LONG}:{p.key}", w, ct.long_message.max_per_hour) is not None:
                self.pay(p, LONG, ct.long_message.reward)
        t1 = ct.first_message_of_day
        if t1.enabled and t1.reward > 0 and self.limits.claim(self.channel, f"{FIRST_OF_DAY}:{p.key}",
                                                                tr.day_window(now), 1) is not None:
            self.pay(p, FIRST_OF_DAY, t1.reward)
        t2 = ct.conversation_starter
        if t2.enabled and t2.reward > 0 and tr.breaks_silence(st.last_at, st.last_speaker, p.key, now,
                                                               t2.min_silence_minutes):
            self.pay(p, STARTER, t2.reward)
        play = st.play
        t3 = co.first_after_media_change
        if (t3.enabled and t3.reward > 0 and play is not None and play.first_claimed is None
                and tr.within_first_window(play.started, now, t3.window_seconds)):
            play.first_claimed = p.key
            self.pay(p, FIRST_AFTER, t3.reward)
        t4 = co.comment_during_media
        if t4.enabled and t4.reward_per_message > 0 and play is not None and play.running(now):
            n = self.limits.claim(self.channel, f"{COMMENT}:{p.key}", tr.play_window(play.play_id, now),
                                  t4.cap_for(play.duration_s))
            if n is not None:
                whole, st.carries[p.key] = accrue(st.carries.get(p.key, 0), to_milli(t4.reward_per_message))
                if whole > 0:
                    self.pay(p, COMMENT, whole)
        t5 = co.like_current
        if (t5.enabled and t5.reward > 0 and play is not None and play.running(now) and p.key not in play.likers
                and rng.random() < LIKE_SHARE):
            play.likers.add(p.key)
            self.pay(p, LIKE, t5.reward)
        self._greet(p, now)
        t6 = so.mentioned_by_other
        if mention is not None and t6.enabled and t6.reward > 0:
            exclude = {kudos.key} if kudos is not None else set()
            for target in tr.mentioned({mention.key}, present, p.key, exclude):
                w = tr.hour_window(now)
                if self.limits.claim(self.channel, f"{MENTIONED}:{p.key}>{target}", w,
                                     t6.max_per_hour_same_user) is not None:
                    self.pay(present[target], MENTIONED, t6.reward)
        t7 = ct.kudos_received
        if kudos is not None and t7.enabled and t7.reward > 0:
            w = tr.hour_window(now)
            if self.limits.claim(self.channel, f"{KUDOS}:{p.key}>{kudos.key}", w,
                                 t7.max_per_hour_same_pair) is not None:
                counts["kudos_given"] = counts.get("kudos_given", 0) + 1
                self.pay(kudos, KUDOS, t7.reward)
        self._laugh_or_joke(p, now, laugh, present)
        st.last_at, st.last_speaker = now, p.key

    def _greet(self, p: Person, now: datetime) -> None:
        t = self.cfg.social_triggers.greeted_newcomer
        st = self.st
        if not t.enabled or t.reward <= 0 or not st.joins:
            return
        tr.prune_joins(st.joins, now, t.window_seconds)
        if not st.joins or self.rng.random() >= 0.3:  # about a third of the lines after an arrival greet
            return
        named = {self.rng.choice(list(st.joins))}
        for joiner in tr.greeted(named, st.joins, p.key):
            st.joins.pop(joiner)
            self.pay(p, GREETED, t.reward)

    def _laugh_or_joke(self, p: Person, now: datetime, laugh: bool, present: dict[str, Person]) -> None:
        st = self.st
        if not laugh:
            st.joke = tr.Joke(f"{now.timestamp()}:{p.key}", p.key, p.display, now)
            return
        t = self.cfg.chat_triggers.laugh_received
        joke = st.joke
        if not t.enabled or t.reward_per_laugher <= 0 or joke is None:
            return
        if tr.laugh_blocked(joke, p.key, now, t.window_seconds, t.max_laughers_per_joke, t.self_excluded):
            return
        teller = present.get(joke.teller_key)
        if teller is None:
            return  # the joker left; the simulator pays only people it can find present
        joke.laughers.add(p.key)
        self.pay(teller, LAUGH, t.reward_per_laugher)

    # ---- arrivals and media ------------------------------------------------------------------------------
    def arrival(self, p: Person, now: datetime) -> None:
        st = self.st
        tr.prune_joins(st.joins, now, self.cfg.social_triggers.greeted_newcomer.window_seconds)
        st.joins[p.key] = tr.RecentJoin(p.display, now, str(int(now.timestamp())))
        if st.play is not None:
            st.play.rejoined.add(p.key)

    def change_media(self, now: datetime, duration_s: int, present: dict[str, Person]) -> None:
        """A new item starts; the one before pays its survivors (content.survived_full_media)."""
        st = self.st
        previous = st.play
        info = MediaInfo("fi", f"m{int(now.timestamp())}", "sim", duration_s)
        st.play = start_play(info, now, {k: q.display for k, q in present.items()})
        t = self.cfg.content_triggers.survived_full_media
        if previous is None or not t.enabled or t.reward <= 0:
            return
        if not tr.media_ran_enough(previous.started, previous.duration_s, now, t.min_presence_percent):
            return
        now_present = {k: q.display for k, q in present.items()}
        for key in tr.survivors(previous.present_at_start, now_present, previous.rejoined, set()):
            self.pay(present[key], SURVIVED, t.reward)

    def prune(self, now: datetime) -> None:
        self.limits.prune(int(now.timestamp() * 1000))
        self.limits.take_dirty()


def message_times(rng: random.Random, active_minutes: int, per_hour: float) -> list[float]:
    """Seconds into a visit at which a user speaks (its active part): a Poisson count at uniform times."""
    lam = per_hour * active_minutes / 60
    if lam <= 0:
        return []
    count = max(0, round(rng.gauss(lam, lam**0.5))) if lam > 30 else _poisson(rng, lam)
    return sorted(rng.uniform(0, active_minutes * 60) for _ in range(count))


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k
