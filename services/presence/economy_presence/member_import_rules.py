"""Taking over members from the original kryten-economy (issue 14), pure rules: no I/O, today is a parameter.

Each (channel, user) is imported once, keyed by a hash of the entry (schemas/imports.py): the same entry
again is ``already``, a different one ``conflict``; neither changes anything (that rule is shared:
economy_shared.import_marks). An imported streak is merged with one the user may already have here (they
joined before the import): the streak whose last counted day is later keeps its ``current`` (joined with
the other when the two runs of days touch), ``longest`` is the larger of the two. After that it is an
ordinary streak (timed/streaks.py): the day after ``last_day`` continues it, a gap resets it.
"""

from __future__ import annotations

from datetime import date, timedelta

from economy_shared.schemas.imports import ImportedMember

from .timed.streaks import StreakState


class BadDay(ValueError):
    """A ``last_streak_day`` that looks like YYYY-MM-DD but is no calendar day (the batch is a bad_request)."""


def parse_day(text: str | None, user: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"{user}: last_streak_day {text!r} is not a day (YYYY-MM-DD)") from None


def imported_streak(member: ImportedMember, today: date) -> tuple[StreakState | None, list[str]]:
    """The streak the entry describes (None: it has none), and notes on what was adjusted.

    A last day after today (the original counted days in local time) is taken as today.
    """
    last = parse_day(member.last_streak_day, member.user)
    notes: list[str] = []
    if last is not None and last > today:
        notes.append(f"last_streak_day: {last.isoformat()} is after today (UTC); counted as {today.isoformat()}")
        last = today
    current = member.current_streak if last is not None else 0
    longest = max(member.longest_streak, current)
    if longest == 0 and last is None:
        return None, notes
    return StreakState(current=current, longest=longest, last_day=last), notes


def _first_day(s: StreakState) -> date | None:
    """The first day of the run of consecutive counted days that ``s`` describes."""
    if s.last_day is None or s.current <= 0:
        return None
    return s.last_day - timedelta(days=s.current - 1)


def merge_streak(here: StreakState | None, imported: StreakState) -> StreakState:
    """The later last day keeps its current streak (a tie keeps the larger); longest is the larger.

    A streak is a run of consecutive counted days: when the two runs touch or overlap (the user came here
    the day after their last day in the original, or used both for a while) they are one run, and
    ``current`` is its length.
    """
    if here is None:
        return imported
    mine, theirs = here.last_day or date.min, imported.last_day or date.min
    later, earlier = (imported, here) if theirs > mine or (theirs == mine and imported.current > here.current) \
        else (here, imported)
    current = later.current
    start, other = _first_day(later), _first_day(earlier)
    if start is not None and other is not None and later.last_day and earlier.last_day \
            and start <= earlier.last_day + timedelta(days=1):
        current = (later.last_day - min(start, other)).days + 1
    return StreakState(current=current, longest=max(here.longest, imported.longest, current),
                       last_day=later.last_day)

