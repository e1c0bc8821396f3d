"""Paying a trigger: an idempotent ``earn`` posting through the one credit path, off the chat path.

Keys are derived from the business fact: ``chat:<channel>:<trigger_id>:<fact parts>``, e.g.
``chat:lounge:chat.long_message:alice:h493712:3`` (alice's 3rd paying long message of that
clock hour) or ``chat:lounge:content.like_current:bob:<play id>``. A retry, a replay after a
restart or a counter lost in a crash all hit the same key, so nothing is paid twice. A credit the
ledger did not answer is kept by the credit path and re-sent with the same key and body.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from economy_shared.channels import channel_key
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.users import user_key

from ..credit import CreditPath, earning
from ..metrics import PresenceMetrics
from .activity import Activity

MAX_KEY = 240  # the ledger's idempotency key limit
BoostTrigger = Callable[[str, str, int], tuple[int, "dict[str, Any] | None"]]  # (channel, user, Z) -> (Z, meta)


def fact_key(channel: str, trigger_id: str, *parts: str) -> str:
    key = ":".join(("chat", channel_key(channel), trigger_id, *parts))
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"chat:{trigger_id}:h:{digest}"


class TriggerPayer:
    """Spawns credits with bounded concurrency; records analytics for each one actually paid.

    Credits are batched into ``ledger.post_many`` (about 1,300 a second through one ledger), so a
    bigger chat burst queues credits here. The queue is bounded: past ``max_pending`` new rewards
    are dropped (counted in ``economy_chat_rewards_dropped_total`` and logged) rather than growing
    memory without limit.
    """

    def __init__(
        self,
        credits: CreditPath,
        activity: Activity,
        changed: Callable[[], None],
        spawn: Callable[..., Any],
        metrics: PresenceMetrics,
        log: Any,
        concurrency: int = 512,  # credits are batched into ledger.post_many, so many may wait at once
        max_pending: int = 20_000,
        boost: BoostTrigger | None = None,
    ) -> None:
        self._credits = credits
        self._boost = boost  # the earning multipliers (events/boosts.py), fixed when the trigger fires
        self._spawn = spawn
        self._log = log
        self._activity = activity
        self._changed = changed
        self._slots = asyncio.Semaphore(concurrency)
        self.max_pending = max_pending
        self.pending = 0
        self._backlog = metrics.chat_backlog
        self._dropped = metrics.chat_dropped
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
    ) -> None:
        if amount <= 0:
            return
        if self.pending >= self.max_pending:
            self._dropped.labels(channel).inc()
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                self._log.warning("chat_credit_backlog_full", channel=channel, pending=self.pending)
            return
        self.pending += 1
        self._backlog.set(self.pending)
        amount, meta = self.boost(channel, user, amount)
        work = self.pay_now(channel, trigger_id, user, amount, parts, reason, day, related=related, on_paid=on_paid,
                            boost_meta=meta)
        self._spawn(self._counted(work), name=f"pay-{trigger_id}")

    def boost(self, channel: str, user: str, amount: int) -> tuple[int, dict[str, Any] | None]:
        """``amount`` under the channel's multipliers now: (Z to pay, journal metadata)."""
        return self._boost(channel, user, amount) if self._boost is not None else (amount, None)

    async def _counted(self, work: Awaitable[LedgerOutcome]) -> None:
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
        boost_meta: dict[str, Any] | None = None,
    ) -> LedgerOutcome:
        """Credit ``amount`` (already boosted: see ``boost``) now; analytics and ``on_paid`` only when this call
        moved the money."""
        metadata: dict[str, Any] | None = {**(boost_meta or {}), **({"related_user": related} if related else {})}
        key = fact_key(channel, trigger_id, *parts)
        async with self._slots:
            outcome = await self._credits.credit(
                channel, key, earning(user, amount, trigger_id, reason, metadata or None),
                trigger_id.split(".")[0] or "other",
            )
        if outcome.applied:
            self._activity.hit(channel, trigger_id, day, user_key(user), amount)
            if on_paid is not None:
                on_paid()
            self._changed()
        return outcome
