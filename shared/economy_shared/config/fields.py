"""Reusable field types and checks for config sections: cron strings, UTC hours, message templates."""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from croniter import CroniterBadCronError, CroniterBadDateError, croniter
from pydantic import AfterValidator, Field

_CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def check_cron(expr: str) -> str:
    """Accept a standard 5-field cron (minute hour day-of-month month day-of-week) or an @macro.

    Evaluated in UTC. A cron that can never fire (e.g. ``0 0 31 2 *``) is rejected too, so a typo
    fails at load or reload instead of breaking a scheduler loop later (DECISIONS 19).
    """
    expr = " ".join(expr.split())
    if expr not in _CRON_MACROS and len(expr.split(" ")) != 5:
        raise ValueError(f"cron {expr!r} must have 5 fields: minute hour day-of-month month day-of-week")
    if not croniter.is_valid(expr):
        raise ValueError(f"invalid cron expression {expr!r}")
    try:
        croniter(expr, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except (CroniterBadCronError, CroniterBadDateError) as err:
        raise ValueError(f"cron {expr!r} never fires") from err
    return expr


CronExpr = Annotated[str, AfterValidator(check_cron)]
UtcHour = Annotated[int, Field(ge=0, le=23)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def last_fire(expr: str, now: datetime) -> datetime:
    """The latest time ``<= now`` at which the cron fires (minute precision, tz of ``now``).

    croniter's ``get_prev`` is strict, so at the exact start minute it would return the previous
    occurrence; this treats the start minute as inside the window.
    """
    floor = now.replace(second=0, microsecond=0)
    if croniter.match(expr, floor):
        return floor
    prev: datetime = croniter(expr, now).get_prev(datetime)
    return prev


def window_containing(expr: str, duration: timedelta, now: datetime) -> tuple[datetime, datetime] | None:
    """``(start, end)`` of the cron-started window that contains ``now``, or None (end exclusive)."""
    start = last_fire(expr, now)
    end = start + duration
    return (start, end) if start <= now < end else None


def check_template(template: str, allowed: Iterable[str]) -> str:
    """Reject ``str.format`` templates that use a placeholder the code does not supply.

    The original crashed at runtime on a template/placeholder mismatch (KeyError 'user'); checking at
    load turns that into a config error. Attribute and index access (``{user.x}``, ``{a[0]}``) and
    positional fields are refused as well.
    """
    names = set(allowed)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise ValueError(f"bad template {template!r}: {err}") from None
    for _literal, field, _spec, _conv in parsed:
        if field is None:
            continue
        if field == "" or field.isdigit():
            raise ValueError("templates use named placeholders only, e.g. {amount}")
        if not field.isidentifier():
            raise ValueError(f"placeholder {{{field}}} may not use attribute or index access")
        if field not in names:
            raise ValueError(f"unknown placeholder {{{field}}}; allowed: {', '.join(sorted(names))}")
    return template


def sorted_unique(values: list[int], low: int, high: int, what: str) -> list[int]:
    """Check every value is within ``low..high``; return them sorted, without duplicates."""
    for v in values:
        if v < low or v > high:
            raise ValueError(f"{what} must be between {low} and {high}, got {v}")
    return sorted(set(values))
