"""Paying a trigger: an idempotent ``earn`` posting through ``credit()``, off the chat path.

Keys are derived from the business fact: ``chat:<channel>:<trigger_id>:<fact parts>``, e.g.
``chat:lounge:chat.long_message:alice:h493712:3`` (alice's 3rd paying long message of that
clock hour) or ``chat:lounge:content.like_current:bob:<play id>``. A retry, a replay after a
restart or a counter lost in a crash all hit the same key, so nothing is paid twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge

from economy_shared.users import user_key

from ..credit import credit
from .activity import Activity

if TYPE_CHECKING:
    from ..service import PresenceService

MAX_KEY = 240  # the ledger's idempotency key limit


def fact_key(channel: str, trigger_id: str, *parts: str) -> str:
    key = ":".join(("chat", channel.casefold(), trigger_id, *parts))
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"chat:{trigger_id}:h:{digest}"


class Payer:
    """Spawns credits with bounded concurrency; records analytics for each one actually paid.

    Credits are batched into ``ledger.post_many`` (about 1,300 a second through one ledger), so a
    bigger chat burst queues credits here. The queue is bounded: past ``max_pending`` new rewards
    are dropped (counted in ``economy_chat_rewards_dropped_total`` and logged) rather than growing
    memory without limit.
    """

    def __init__(
        self,
        service: PresenceService,
        activity: Activity,
        changed: Callable[[], None],
        concurrency: int = 512,  # credits are batched into ledger.post_many, so many may wait at once
        max_pending: int = 20_000,
    ) -> None:
        self._service = service
        self._activity = activity
        self._changed = changed
        self._slots = asyncio.Semaphore(concurrency)
        self.max_pending = max_pending
        self.pending = 0
        reg = service.metrics.registry
        self._backlog = Gauge("economy_chat_credit_backlog", "Chat rewards waiting for the ledger", registry=reg)
        self._dropped = Counter("economy_chat_rewards_dropped_total", "Chat rewards dropped: backlog full",
                                ["channel"], registry=reg)
        self._warned_at = 0.0

    def pay(
        self,
        channel: str,
        trigger_id: str,
        user: str,
        amount: int,
        parts: tuple[str, ...],
        reason: str,
        day: str,
        *,
        related: str | None = None,
        on_paid: Callable[[], None] | None = None,
        on_unpaid: Callable[[], None] | None = None,
    ) -> None:
        if amount <= 0:
            return
        if self.pending >= self.max_pending:
            self._dropped.labels(channel).inc()
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                self._service.log.warning("chat_credit_backlog_full", channel=channel, pending=self.pending)
            return
        self.pending += 1
        self._backlog.set(self.pending)
        work = self.pay_now(channel, trigger_id, user, amount, parts, reason, day, related=related,
                            on_paid=on_paid, on_unpaid=on_unpaid)
        self._service.spawn(self._counted(work), name=f"pay-{trigger_id}")

    async def _counted(self, work: Awaitable[bool]) -> None:
        """Run one queued credit and keep the backlog count right whatever happens."""
        try:
            await work
        finally:
            self.pending -= 1
            self._backlog.set(self.pending)

    async def pay_now(
        self,
        channel: str,
        trigger_id: str,
        user: str,
        amount: int,
        parts: tuple[str, ...],
        reason: str,
        day: str,
        *,
        related: str | None = None,
        on_paid: Callable[[], None] | None = None,
        on_unpaid: Callable[[], None] | None = None,
    ) -> bool:
        metadata: dict[str, Any] | None = {"related_user": related} if related else None
        key = fact_key(channel, trigger_id, *parts)
        async with self._slots:
            paid = await credit(self._service, channel, key, user, amount, trigger_id, reason[:200], metadata)
        if paid:
            self._activity.hit(channel, trigger_id, day, user_key(user), amount)
            if on_paid is not None:
                on_paid()
            self._changed()
        elif on_unpaid is not None:
            on_unpaid()
        return paid
