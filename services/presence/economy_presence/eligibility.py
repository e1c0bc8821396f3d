"""Who may earn yet: ``onboarding.min_account_age_minutes`` and ``onboarding.min_messages_to_earn``.

One in-memory, database-backed gate for every presence credit (the tick's present filter and the
credit path). Age counts from when presence first saw the user (``users.first_seen_ms``); messages are
the user's lifetime chat messages seen by presence (``SUM(daily_activity.messages_sent)``, the same count
the achievements use), kept up to date by the chat hook (idle.py ``ActivityWatch``). Both rules only
ever become true, so a user who passed stays passed (until a reload raises the bar). Both 0 (the
default): ``allows`` returns at once. The welcome wallet is not gated: it is the welcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from economy_shared.clock import from_ms
from economy_shared.config import EconomyConfig
from economy_shared.db import Database

V = TypeVar("V")


class EarningGate:
    def __init__(self, database: Database, config: Callable[[], EconomyConfig], channels: Iterable[str]) -> None:
        self._db = database
        self._config = config
        self.first_seen: dict[str, dict[str, datetime]] = {c: {} for c in channels}
        self.messages: dict[str, dict[str, int]] = {c: {} for c in self.first_seen}
        self._passed: dict[str, set[str]] = {c: set() for c in self.first_seen}
        self._rule: tuple[int, int] = (0, 0)

    async def load(self) -> None:
        """First-seen times and lifetime message counts of every user presence knows, per channel."""
        for channel in self.first_seen:
            rows = await self._db.fetchall("SELECT user_key, first_seen_ms FROM users WHERE channel=?", (channel,))
            self.first_seen[channel] = {r["user_key"]: from_ms(r["first_seen_ms"]) for r in rows}
            rows = await self._db.fetchall(
                "SELECT user_key, SUM(messages_sent) AS n FROM daily_activity WHERE channel=? GROUP BY user_key",
                (channel,),
            )
            self.messages[channel] = {r["user_key"]: int(r["n"] or 0) for r in rows}

    def rule(self) -> tuple[int, int]:
        """(minimum age in minutes, minimum lifetime messages); (0, 0) is off."""
        o = self._config().onboarding
        return o.min_account_age_minutes, o.min_messages_to_earn

    @property
    def active(self) -> bool:
        return self.rule() != (0, 0)

    def seen(self, channel: str, key: str, now: datetime) -> None:
        """Presence saw ``key`` now (an arrival): the first time starts the account-age clock."""
        seen = self.first_seen.get(channel)
        if seen is not None and key not in seen:
            seen[key] = now

    def counted(self, channel: str, key: str, now: datetime) -> None:
        """One more lifetime chat message (counted exactly where ``messages_sent`` is bumped)."""
        counts = self.messages.get(channel)
        if counts is not None:
            counts[key] = counts.get(key, 0) + 1
            self.seen(channel, key, now)

    def allows(self, channel: str, key: str, now: datetime) -> bool:
        """May ``key`` earn in ``channel`` now? Unknown channels are not gated."""
        rule = self.rule()
        return rule == (0, 0) or self._judge(channel, key, now, rule)

    def admitted(self, channel: str, present: dict[str, V], now: datetime) -> dict[str, V]:
        """``present`` (user key -> anything) without the users who may not earn yet; the rule read once."""
        rule = self.rule()
        if rule == (0, 0):
            return present
        return {k: v for k, v in present.items() if self._judge(channel, k, now, rule)}

    def _judge(self, channel: str, key: str, now: datetime, rule: tuple[int, int]) -> bool:
        if rule != self._rule:  # a reload changed the bar: everyone is judged again
            self._rule = rule
            for passed in self._passed.values():
                passed.clear()
        passed = self._passed.get(channel)
        if passed is None or key in passed:
            return True
        min_age, min_messages = rule
        first = self.first_seen[channel].setdefault(key, now)
        if now - first >= timedelta(minutes=min_age) and self.messages[channel].get(key, 0) >= min_messages:
            passed.add(key)
            return True
        return False

