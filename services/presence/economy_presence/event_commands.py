"""Presence's event words: ``events`` (alias ``multipliers``) for everyone, admin ``event start|stop``.

Parsing and wording only; the use cases are ``Boosts.view`` and ``EarningEvents.start_adhoc`` /
``stop_adhoc`` (the same ones ``presence.events`` / ``presence.event_start`` / ``presence.event_stop``
serve on the request subject).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.schemas.events import ActiveMultipliers

from .events.book import EventOutcome, EventStatus
from .events.windows import factor_text, left_text

mark_live("events", "event")

START_USAGE = 'Usage: event start <multiplier> <minutes> "<name>"  ·  event stop'
_START = re.compile(r'^\s*start\s+(\S+)\s+(\S+)\s+(.+?)\s*$', re.IGNORECASE | re.DOTALL)


def events_text(view: ActiveMultipliers, now: datetime) -> str:
    if not view.sources:
        return "No bonus events right now: everyone earns the base rate (1×)."
    lines = ["🎉 Earning bonuses right now:"]
    for s in view.sources:
        left = ""
        if s.ends_at is not None:
            ms = int((datetime.fromisoformat(s.ends_at) - now).total_seconds() * 1000)
            left = f" ({left_text(ms)} left)"
        lines.append(f"{s.label}: {factor_text(s.multiplier)}×{left}")
    capped = " (the maximum)" if view.combined >= view.max_combined else ""
    lines.append(f"Combined: {factor_text(view.combined)}×{capped}")
    return "\n".join(lines)


def outcome_text(out: EventOutcome, now: datetime) -> str:
    ev = out.event
    match out.status:
        case EventStatus.STARTED if ev is not None:
            minutes = (ev.ends_ms - ev.starts_ms) // 60_000
            return f"⚡ {ev.name} started: {factor_text(ev.multiplier)}× earning for {minutes} min."
        case EventStatus.STOPPED if ev is not None:
            return f"🛑 {ev.name} stopped."
        case EventStatus.ALREADY_RUNNING if ev is not None:
            left = left_text(ev.ends_ms - int(now.timestamp() * 1000))
            return f"⚡ {ev.name} is already running ({factor_text(ev.multiplier)}×, {left} left). 'event stop' first."
        case EventStatus.ALREADY_RUNNING:
            return "An event is already running. 'event stop' first."
        case EventStatus.NONE_RUNNING:
            return "No ad-hoc event is running."
        case EventStatus.BAD_MULTIPLIER:
            return f"The multiplier must be above 1 and at most {factor_text(out.limit)}."
        case EventStatus.BAD_MINUTES:
            return f"The duration must be between 1 and {int(out.limit):,} minutes."
        case EventStatus.BAD_NAME:
            return 'Give the event a name: event start 2 60 "Movie Night"'
    return "That channel isn't set up for events."


def parse_start(rest: str) -> tuple[float, int, str] | None:
    """``start 2 60 "Movie Night"`` → (2.0, 60, "Movie Night"); None when malformed."""
    m = _START.match(rest)
    if m is None:
        return None
    try:
        multiplier = float(m.group(1).rstrip("x×"))
        minutes = int(m.group(2))
    except ValueError:
        return None
    if multiplier != multiplier or multiplier in (float("inf"), float("-inf")):  # NaN / inf
        return None
    name = m.group(3).strip().strip('"').strip("'").strip()
    return multiplier, minutes, name


def register(
    pm: PmRouter,
    view: Callable[[str], ActiveMultipliers],
    start: Callable[[str, str, float, int, str], Awaitable[EventOutcome]],
    stop: Callable[[str, str], Awaitable[EventOutcome]],
    now: Callable[[], datetime],
) -> None:
    """``view(channel)``, ``start(channel, admin, multiplier, minutes, name)``, ``stop(channel, admin)``."""

    @pm.command("events")
    async def events_cmd(ctx: PmContext) -> str:
        return events_text(view(ctx.channel), now())

    @pm.command("event")
    async def event_cmd(ctx: PmContext) -> str:
        sub = ctx.args[0].casefold() if ctx.args else ""
        if sub == "stop" and len(ctx.args) == 1:
            return outcome_text(await stop(ctx.channel, ctx.user), now())
        if sub == "start":
            parsed = parse_start(ctx.rest)
            if parsed is None:
                return START_USAGE
            multiplier, minutes, name = parsed
            return outcome_text(await start(ctx.channel, ctx.user, multiplier, minutes, name), now())
        return START_USAGE
