"""The chat path: one ``chatmsg`` evaluated against every trigger, synchronously and in memory.

kryten-py hands one channel's events over one at a time, so ``on_message`` never awaits: caps
are claimed with no suspension point (atomic), state lives in memory and is written behind,
and every payment is spawned (``Payer``). Only kudos and laughs need a lookup (an account for
an absent kudos target, aliases for self-exclusion); they run as tasks and claim after it.

Ignored users, the bot and ``[server]`` are excluded from every pool: they earn nothing, start
no joke, break no silence, claim no first comment, and are never a kudos, mention, greeting or
bot-interaction target (DECISIONS 9, sprint3.md §9.16).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from economy_shared.channels import ChannelDirectory
from economy_shared.clock import Clock, day_str, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.users import SERVER_NAME, user_key
from economy_shared.userstats import AliasResolver

from ..accrual import accrue, to_milli
from . import triggers as tr
from .activity import Activity
from .limits import Limits
from .matching import clean, emotes_in, has_gif, is_laugh, kudos_targets, name_tokens
from .media import Play
from .payer import TriggerPayer
from .people import People

LONG, FIRST_OF_DAY, STARTER = "chat.long_message", "chat.first_message_of_day", "chat.conversation_starter"
LAUGH, KUDOS = "chat.laugh_received", "chat.kudos_received"
FIRST_AFTER, COMMENT = "content.first_after_media_change", "content.comment_during_media"
LIKE, SURVIVED = "content.like_current", "content.survived_full_media"
GREETED, MENTIONED, BOT = "social.greeted_newcomer", "social.mentioned_by_other", "social.bot_interaction"

_msg_seq = itertools.count(1)


@dataclass
class ChannelChat:
    """What the chat path remembers about one channel."""

    name: str
    last_at: datetime | None = None
    last_speaker: str | None = None
    joke: tr.Joke | None = None
    lines: deque[tr.HumanLine] = field(default_factory=lambda: deque(maxlen=64))
    joins: dict[str, tr.RecentJoin] = field(default_factory=dict)
    play: Play | None = None
    carries: dict[str, int] = field(default_factory=dict)  # comment_during_media milli-Z per user
    emotes: frozenset[str] = frozenset()


@dataclass(slots=True)
class Msg:
    st: ChannelChat
    name: str
    key: str
    text: str
    tokens: set[str]
    now: datetime
    day: str
    msg_id: str


class ChatEngine:
    def __init__(
        self,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        spawn: Callable[..., Any],
        channels: ChannelDirectory,
        limits: Limits,
        activity: Activity,
        payer: TriggerPayer,
        aliases: AliasResolver,
        people: People,
        changed: Callable[[], None],
    ) -> None:
        self._config = config
        self._clock = clock
        self._spawn = spawn
        self._directory = channels
        self.limits = limits
        self.activity = activity
        self.payer = payer
        self.aliases = aliases
        self.people = people
        self.changed = changed
        self.channels: dict[str, ChannelChat] = {c: ChannelChat(c) for c in channels}
        self.dirty_channels: set[str] = set()
        self.dirty_plays: set[str] = set()
        self.dirty_carries: set[tuple[str, str]] = set()

    def state(self, channel: str) -> ChannelChat | None:
        known = self._directory.known(channel)
        return self.channels.get(known) if known is not None else None

    # ---- chatmsg ----------------------------------------------------------------------------------
    def on_message(self, event: Any) -> None:
        name = getattr(event, "username", None)
        st = self.state(getattr(event, "channel", "") or "")
        if not isinstance(name, str) or st is None or getattr(event, "shadow", False):
            return
        key = user_key(name)
        if key == SERVER_NAME or not key:
            return
        cfg = self._config()
        text = clean(getattr(event, "message", "") or "")
        now = self._clock.now()
        if key == user_key(cfg.bot.username):
            self._bot_line(st, text, now)
            return
        if cfg.is_ignored(name) or not text.strip():
            return
        corr = getattr(event, "correlation_id", None)
        msg_id = corr.replace("-", "") if isinstance(corr, str) and corr else f"{to_ms(now)}n{next(_msg_seq)}"
        m = Msg(st, name, key, text, name_tokens(text), now, day_str(now), msg_id)
        self._count(m)
        kudos = kudos_targets(text) if cfg.chat_triggers.kudos_received.enabled else []
        self._long(m)
        self._first_of_day(m)
        self._starter(m)
        self._first_after(m)
        self._comment(m)
        self._greet(m)
        self._mentions(m, set(kudos))
        if kudos:
            self._spawn(self._kudos(m, kudos), name="chat-kudos")
        self._laugh_or_joke(m)
        st.lines.append(tr.HumanLine(key, name, now, addressed_bot=user_key(cfg.bot.username) in m.tokens))
        st.last_at, st.last_speaker = now, key
        self.dirty_channels.add(st.name)
        self.changed()

    def _count(self, m: Msg) -> None:
        ch, act = m.st.name, self.activity
        act.bump(ch, m.key, m.day, "messages_sent")
        if len(m.text.strip()) >= self._config().chat_triggers.long_message.min_chars:
            act.bump(ch, m.key, m.day, "long_messages")
        if has_gif(m.text):
            act.bump(ch, m.key, m.day, "gifs_posted")
        used = emotes_in(m.text, m.st.emotes)
        if used:
            act.add_emotes(ch, m.key, m.day, used)

    def _pay(self, m: Msg, tid: str, user: str, amount: int, parts: tuple[str, ...], reason: str, **kw: Any) -> None:
        self.payer.pay(m.st.name, tid, user, amount, parts, reason, m.day, **kw)

    def _long(self, m: Msg) -> None:
        t = self._config().chat_triggers.long_message
        if not t.enabled or t.reward <= 0 or len(m.text.strip()) < t.min_chars:
            return
        w = tr.hour_window(m.now)
        n = self.limits.claim(m.st.name, f"{LONG}:{m.key}", w, t.max_per_hour)
        if n is not None:
            self._pay(m, LONG, m.name, t.reward, (m.key, w.id, str(n)), f"Chat trigger: {LONG}")

    def _first_of_day(self, m: Msg) -> None:
        t = self._config().chat_triggers.first_message_of_day
        if not t.enabled or t.reward <= 0:
            return
        w = tr.day_window(m.now)
        if self.limits.claim(m.st.name, f"{FIRST_OF_DAY}:{m.key}", w, 1) is not None:
            self._pay(m, FIRST_OF_DAY, m.name, t.reward, (m.key, m.day), f"Chat trigger: {FIRST_OF_DAY}")

    def _starter(self, m: Msg) -> None:
        t = self._config().chat_triggers.conversation_starter
        st = m.st
        if not t.enabled or t.reward <= 0:
            return
        if tr.breaks_silence(st.last_at, st.last_speaker, m.key, m.now, t.min_silence_minutes):
            silence = str(to_ms(st.last_at)) if st.last_at else "first"  # one payment per silence
            self._pay(m, STARTER, m.name, t.reward, (silence,), f"Chat trigger: {STARTER}")

    def _first_after(self, m: Msg) -> None:
        t = self._config().content_triggers.first_after_media_change
        play = m.st.play
        if not t.enabled or t.reward <= 0 or play is None or play.first_claimed is not None:
            return
        if tr.within_first_window(play.started, m.now, t.window_seconds):
            play.first_claimed = m.key
            self.dirty_plays.add(m.st.name)
            self._pay(m, FIRST_AFTER, m.name, t.reward, (play.play_id,), f"Chat trigger: {FIRST_AFTER}")

    def _comment(self, m: Msg) -> None:
        t = self._config().content_triggers.comment_during_media
        play, st = m.st.play, m.st
        if not t.enabled or t.reward_per_message <= 0 or play is None or not play.running(m.now):
            return
        n = self.limits.claim(st.name, f"{COMMENT}:{m.key}", tr.play_window(play.play_id, m.now),
                              t.cap_for(play.duration_s))
        if n is None:
            return
        whole, rest = accrue(st.carries.get(m.key, 0), to_milli(t.reward_per_message))
        st.carries[m.key] = rest
        self.dirty_carries.add((st.name, m.key))
        if whole > 0:
            self._pay(m, COMMENT, m.name, whole, (m.key, play.play_id, f"c{n}"), f"Chat trigger: {COMMENT}")

    def _greet(self, m: Msg) -> None:
        t = self._config().social_triggers.greeted_newcomer
        if not t.enabled or t.reward <= 0 or not m.st.joins:
            return
        tr.prune_joins(m.st.joins, m.now, t.window_seconds)
        for joiner in tr.greeted(m.tokens, m.st.joins, m.key):
            j = m.st.joins.pop(joiner)  # first greeter only
            self._pay(m, GREETED, m.name, t.reward, (joiner, j.arrival_id), f"Greeted {j.display}", related=j.display)

    def _mentions(self, m: Msg, kudos: set[str]) -> None:
        t = self._config().social_triggers.mentioned_by_other
        if not t.enabled or t.reward <= 0:
            return
        present = self.people.present(m.st.name)
        w = tr.hour_window(m.now)
        for target in tr.mentioned(m.tokens, present, m.key, kudos):
            display = present[target].display
            if self._config().is_ignored(display):
                continue
            n = self.limits.claim(m.st.name, f"{MENTIONED}:{m.key}>{target}", w, t.max_per_hour_same_user)
            if n is not None:
                self._pay(m, MENTIONED, display, t.reward, (target, m.key, w.id, str(n)), f"Mentioned by {m.name}",
                          related=m.name)

    async def _kudos(self, m: Msg, targets: list[str]) -> None:
        t = self._config().chat_triggers.kudos_received
        ch = m.st.name
        for typed in targets:
            if (t.self_excluded and typed == m.key) or self._config().is_ignored(typed):
                continue
            known = await self.people.resolve(ch, typed, self.aliases)
            if known is None or self._config().is_ignored(known[1]):
                continue
            target, display = known
            if t.self_excluded and await self.aliases.same_person(m.key, target):
                continue
            w = tr.hour_window(m.now)
            n = self.limits.claim(ch, f"{KUDOS}:{m.key}>{target}", w, t.max_per_hour_same_pair)
            if n is None:
                continue

            def counted(target: str = target) -> None:
                self.activity.bump(ch, m.key, m.day, "kudos_given")
                self.activity.bump(ch, target, m.day, "kudos_received")

            self._pay(m, KUDOS, display, t.reward, (target, m.key, w.id, str(n)), f"Kudos from {m.name}",
                      related=m.name, on_paid=counted)

    def _laugh_or_joke(self, m: Msg) -> None:
        if not is_laugh(m.text):
            m.st.joke = tr.Joke(m.msg_id, m.key, m.name, m.now)
            return
        t = self._config().chat_triggers.laugh_received
        joke = m.st.joke
        if not t.enabled or t.reward_per_laugher <= 0 or joke is None:
            return
        if not tr.laugh_blocked(joke, m.key, m.now, t.window_seconds, t.max_laughers_per_joke, t.self_excluded):
            self._spawn(self._laugh(m, joke), name="chat-laugh")

    async def _laugh(self, m: Msg, joke: tr.Joke) -> None:
        t = self._config().chat_triggers.laugh_received
        if self._config().is_ignored(joke.teller):
            return
        if t.self_excluded and await self.aliases.same_person(m.key, joke.teller_key):
            return
        # Re-check after the lookup: the claim below must not race another laugh at the same joke.
        if tr.laugh_blocked(joke, m.key, m.now, t.window_seconds, t.max_laughers_per_joke, t.self_excluded):
            return
        joke.laughers.add(m.key)
        ch = m.st.name
        self._pay(m, LAUGH, joke.teller, t.reward_per_laugher, (joke.teller_key, joke.msg_id, m.key),
                  f"Laugh from {m.name}", related=m.name,
                  on_paid=lambda: self.activity.bump(ch, joke.teller_key, m.day, "laughs_received"))

    # ---- the bot's own lines -----------------------------------------------------------------------
    def _bot_line(self, st: ChannelChat, text: str, now: datetime) -> None:
        """The bot never earns; its reply pays the human it answered (sprint3.md §9.17)."""
        t = self._config().social_triggers.bot_interaction
        if not t.enabled or t.reward <= 0:
            return
        line = tr.bot_partner(st.lines, name_tokens(text), now, t.reply_window_seconds)
        if line is None:
            return
        line.answered = True
        if self._config().is_ignored(line.display):
            return
        w, day = tr.day_window(now), day_str(now)
        n = self.limits.claim(st.name, f"{BOT}:{line.key}", w, t.max_per_day)
        if n is None:
            return
        key = line.key
        self.payer.pay(st.name, BOT, line.display, t.reward, (key, w.id, str(n)), "Bot interaction", day,
                       on_paid=lambda: self.activity.bump(st.name, key, day, "bot_interactions"))
