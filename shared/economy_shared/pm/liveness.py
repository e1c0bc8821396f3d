"""Which economy services are up, from kryten-py lifecycle events (startup, heartbeat, shutdown).

The ledger is the front desk: when a PM command's owner is down, it answers with one clear line
("the casino is closed for a moment") instead of leaving the user to wonder (ARCHITECTURE §2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..subjects import SERVICE_NAMES, ServiceName

LIFECYCLE = "kryten.lifecycle.>"
HEARTBEAT_SECONDS = 30.0  # kryten-py's heartbeat interval for our services (runtime/client.py)

CLOSED: dict[str, str] = {
    "gambling": "🎰 The casino is closed for a moment. Try again in a minute!",
    "presence": "⏳ The rewards desk is taking a short break. Your time here still counts; try again soon.",
    "media": "📼 The video store is closed for a moment. Try again in a minute!",
    "announcer": "🔇 The announcer is catching its breath. Try again in a minute!",
    "ledger": "🏦 The bank is closed for a moment. Try again in a minute!",
}


class ServiceLiveness:
    """Up unless a shutdown was seen, or nothing was heard for ``grace`` seconds after it was last seen.

    A service never heard from since we started counts as up until ``grace`` has passed, so a
    front desk that starts first does not call everyone closed.
    """

    def __init__(self, grace: float = 2.5 * HEARTBEAT_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.grace = grace
        self._now = monotonic
        self._started = monotonic()
        self._last: dict[str, float] = {}
        self._gone: set[str] = set()

    def seen(self, service: str) -> None:
        self._last[service] = self._now()
        self._gone.discard(service)

    def gone(self, service: str) -> None:
        self._gone.add(service)

    def is_down(self, service: str) -> bool:
        if service in self._gone:
            return True
        last = self._last.get(service, self._started)
        return self._now() - last > self.grace

    async def on_lifecycle(self, msg: Any) -> None:
        """Handler for ``kryten.lifecycle.>``: subjects ``kryten.lifecycle.economy-<svc>.<event>``."""
        parts = getattr(msg, "subject", "").split(".")
        if len(parts) != 4 or not parts[2].startswith("economy-"):
            return
        service, event = parts[2].removeprefix("economy-"), parts[3]
        if service not in SERVICE_NAMES:
            return
        if event == "shutdown":
            self.gone(service)
        elif event in ("startup", "heartbeat"):
            self.seen(service)

    def closed_text(self, service: ServiceName) -> str:
        return CLOSED.get(service, "That part of the economy is closed for a moment. Try again soon.")

