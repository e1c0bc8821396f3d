"""The inactivity nudge (``retention.inactivity_nudge``): "your balance is waiting" after a long absence.

CyTube cannot deliver a PM to someone offline, so the nudge goes out on the user's first genuine
arrival after ``days_absent`` whole days away (``Arrival.absent_for``), once per absence, as an
unsolicited notice (quiet users never get it, DECISIONS 23). The balance is read from the ledger with
the short read timeout; if the ledger does not answer, the nudge is skipped and logged. It runs in the
arrival's background task, so it never delays the arrival.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from economy_shared.clock import Clock
from economy_shared.config import EconomyConfig
from economy_shared.templating import safe_format
from economy_shared.voice import Voice

from .metrics import PresenceMetrics
from .sessions import Arrival

Balances = Callable[[str, list[str]], Awaitable[dict[str, int] | None]]  # LedgerClient.balances


class InactivityNudge:
    def __init__(
        self,
        balances: Balances,
        voice: Voice,
        config: Callable[[], EconomyConfig],
        clock: Clock,
        metrics: PresenceMetrics,
        log: Any,
    ) -> None:
        self._balances = balances
        self._voice = voice
        self._config = config
        self._clock = clock
        self._metrics = metrics
        self._log = log
        self._sent: dict[tuple[str, str], datetime] = {}  # (channel, user) -> the absence's start, nudged

    async def on_arrival(self, channel: str, arrival: Arrival) -> str:
        """Nudge if due; what happened: ``sent`` (as an unsolicited PM), ``no_ledger``, ``no_account``,
        ``no_announcer``, ``failed`` or ``""`` (not due)."""
        cfg = self._config()
        nudge = cfg.retention.inactivity_nudge
        if not nudge.enabled or not arrival.genuine or arrival.absent_for is None:
            return ""
        days = arrival.absent_for.days  # whole days: 13 d 23 h is 13
        if days < nudge.days_absent:
            return ""
        since = self._clock.now() - arrival.absent_for
        if self._sent.get((channel, arrival.key)) == since:
            return ""  # this absence was nudged already
        self._sent[(channel, arrival.key)] = since
        outcome = await self._send(channel, arrival, days, cfg)
        self._metrics.nudges.labels(channel, outcome).inc()
        return outcome

    async def _send(self, channel: str, arrival: Arrival, days: int, cfg: EconomyConfig) -> str:
        try:
            balances = await self._balances(channel, [arrival.display])
        except Exception as err:  # a broken reply is "no answer"
            self._log.warning("nudge_balance_failed", channel=channel, user=arrival.key, error=type(err).__name__)
            balances = None
        if balances is None:
            self._log.warning("nudge_skipped", channel=channel, user=arrival.key, reason="the ledger did not answer")
            return "no_ledger"
        balance = balances.get(arrival.key)
        if balance is None:
            return "no_account"
        text = safe_format(cfg.retention.inactivity_nudge.message, user=arrival.display, days=days, balance=balance,
                           currency=cfg.currency.plural, symbol=cfg.currency.symbol)
        try:
            queued = await self._voice.notify(channel, arrival.display, text)
        except Exception:
            self._log.exception("nudge_failed", channel=channel, user=arrival.key)
            return "failed"
        return "sent" if queued else "no_announcer"  # "sent": handed over; the announcer drops it for quiet users
