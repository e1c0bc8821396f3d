"""Receives ``pm`` events, filters them, and runs the commands this service owns.

The rate limit is one window per user across the economy: every router counts every PM whose
word is in the catalog, not only its own words. All services see the same ``pm`` events, so their
windows agree, and ``commands.rate_limit_per_minute`` bounds the answers of all services together.
For each word exactly one process speaks (answers, says "slow down", or says "closed"): its owner,
or the front desk (the ledger) while the owner is down.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..config import EconomyConfig
from ..runtime.logging import get_logger
from ..subjects import ServiceName
from ..users import user_key
from ..voice import Voice
from .catalog import CommandEntry, owned_by, word_index
from .identity import UserDirectory
from .liveness import ServiceLiveness
from .ratelimit import RateLimiter, Verdict
from .text import parse_command

SLOW_DOWN = "🐢 Whoa, slow down! Give it a minute and try again."
NOT_ADMIN = "🚫 That one's for channel admins."
OOPS = "😵 Something went wrong on our side. Try again in a moment."


@dataclass(frozen=True)
class PmContext:
    channel: str
    user: str  # display name as the sender typed it
    key: str  # case-folded identity
    word: str
    args: list[str]
    rest: str
    is_admin: bool
    entry: CommandEntry

    def usage(self) -> str:
        return f"Usage: {self.entry.usage or self.entry.word}"


PmHandler = Callable[[PmContext], Awaitable[str | None]]


class PmRouter:
    def __init__(
        self,
        service: ServiceName,
        config: Callable[[], EconomyConfig],
        voice: Voice,
        directory: UserDirectory,
        spawn: Callable[[Any], Any],
        on_command: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self._config = config
        self._voice = voice
        self._directory = directory
        self._spawn = spawn
        self._on_command = on_command
        self._monotonic = monotonic
        self._owned = owned_by(service)
        self._catalog = word_index()
        self._handlers: dict[str, PmHandler] = {}
        # Set on the front desk (the ledger): answers other services' live words while their owner is down.
        self.liveness: ServiceLiveness | None = None
        self._limiter = RateLimiter(config().commands.rate_limit_per_minute)

    def command(self, word: str) -> Callable[[PmHandler], PmHandler]:
        entry = self._owned.get(word)
        if entry is None or entry.word != word:
            raise ValueError(f"{self.service} does not own the PM command {word!r}")

        def register(fn: PmHandler) -> PmHandler:
            for w in (entry.word, *entry.aliases):
                self._handlers[w] = fn
            return fn

        return register

    @property
    def words(self) -> list[str]:
        return sorted(self._handlers)

    def reconfigure(self) -> None:
        self._limiter.per_minute = self._config().commands.rate_limit_per_minute

    async def on_pm(self, event: Any) -> None:
        """The ``pm`` event handler. Cheap checks inline; the command itself runs as a task."""
        sender = getattr(event, "username", None)
        channel = getattr(event, "channel", None)
        if not isinstance(sender, str) or not isinstance(channel, str):
            return
        cfg = self._config()
        if cfg.is_ignored(sender) or getattr(event, "shadow", False):
            return
        parsed = parse_command(getattr(event, "message", "") or "")
        if parsed is None:
            return
        entry = self._catalog.get(parsed.word)
        if entry is None:
            return  # not a command anywhere in the economy: not counted either
        key = user_key(sender)
        verdict = self._limiter.check(key, self._monotonic())
        if verdict is Verdict.DROP:
            return
        if verdict is Verdict.WARN:
            if self._speaks_for(entry):
                self._spawn(self._voice.reply(channel, sender, SLOW_DOWN))
            return
        if parsed.word in self._handlers:
            self._spawn(self._run(channel, sender, key, parsed.word, parsed.args, parsed.rest, entry))
            return
        closed = self._closed_text(entry)
        if closed is not None:
            self._spawn(self._voice.reply(channel, sender, closed))

    def _speaks_for(self, entry: CommandEntry) -> bool:
        """The owner speaks for its words; the front desk speaks for the words of a service that is down."""
        if entry.owner == self.service:
            return True
        return self.liveness is not None and self.liveness.is_down(entry.owner)

    def _closed_text(self, entry: CommandEntry) -> str | None:
        """The front desk's line for another service's live word while that service is down."""
        if self.liveness is None or entry.owner == self.service or not entry.live:
            return None
        return self.liveness.closed_text(entry.owner) if self.liveness.is_down(entry.owner) else None

    async def _run(
        self, channel: str, sender: str, key: str, word: str, args: list[str], rest: str, entry: CommandEntry
    ) -> None:
        log = get_logger("economy.pm", service=self.service, channel=channel, user=key, command=entry.word)
        try:
            is_admin = await self._directory.is_admin(channel, sender)
            if entry.admin and not is_admin:
                await self._voice.reply(channel, sender, NOT_ADMIN)
                return
            ctx = PmContext(channel, sender, key, word, args, rest, is_admin, entry)
            reply = await self._handlers[word](ctx)
            if self._on_command is not None:
                self._on_command(entry.word)
        except Exception:
            log.exception("pm_command_failed")
            reply = OOPS
        if reply:
            await self._voice.reply(channel, sender, reply)
