"""The announcer's PM commands: ``quiet`` (persisted) and admin ``announce``."""

from __future__ import annotations

from collections.abc import Callable

from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.sanitize import public_text
from economy_shared.schemas.announcer import Priority

from .store import AnnouncerStore
from .voice import LocalVoice

mark_live("quiet", "announce")

QUIET_ON = (
    "🔕 Quiet mode is on: I'll only PM you when you send me a command. "
    "PM 'quiet off' to get notifications again."
)
QUIET_OFF = "🔔 Quiet mode is off: you'll get notifications again (rain, milestones, streaks…)."
QUIET_STATUS = {True: "🔕 Quiet mode is on. PM 'quiet off' to undo.", False: "🔔 Quiet mode is off. PM 'quiet on'."}
ANNOUNCED = "📢 Announced."
NOT_ANNOUNCED = {
    "capped": "⏳ Public chat is at its limit for this minute. Try again shortly.",
    "full": "⏳ The outbox is full right now. Try again shortly.",
    "empty": "Nothing left to announce once cleaned up. Usage: announce <text>",
}
_ON = {"on", "yes", "true", "1"}
_OFF = {"off", "no", "false", "0"}


def announce_limit(config: EconomyConfig) -> int:
    """An announcement is at most two chat lines long (DECISIONS 20: length-capped)."""
    return 2 * config.commands.max_message_length


def register(
    pm: PmRouter, store: AnnouncerStore, voice: LocalVoice, config: Callable[[], EconomyConfig], clock: Clock
) -> None:

    @pm.command("quiet")
    async def quiet_cmd(ctx: PmContext) -> str:
        arg = ctx.args[0].lower() if ctx.args else "toggle"
        current = store.is_quiet(ctx.channel, ctx.user)
        if arg == "status":
            return QUIET_STATUS[current]
        if arg == "toggle":
            wanted = not current
        elif arg in _ON or arg in _OFF:
            wanted = arg in _ON
        else:
            return ctx.usage()
        if wanted != current:
            await store.set_quiet(ctx.channel, ctx.user, wanted, to_ms(clock.now()))
        return QUIET_ON if wanted else QUIET_OFF

    @pm.command("announce")
    async def announce_cmd(ctx: PmContext) -> str:
        if not ctx.rest:
            return ctx.usage()
        text = public_text(ctx.rest, announce_limit(config()))  # never "/kick bob" at the bot's rank
        if not text:
            return NOT_ANNOUNCED["empty"]
        # Bypasses templates and dedup, never the pace or the public cap (ARCHITECTURE §4).
        result = voice.queue_say(ctx.channel, text, Priority.ANNOUNCE, dedup=False)
        if result.queued:
            return ANNOUNCED
        return NOT_ANNOUNCED.get(result.reason, f"Not announced ({result.reason}).")
