"""Coalesce single credits into ``ledger.post_many`` requests: one ledger commit for many rewards.

Each credit keeps its own idempotency key and its own outcome (a ``LedgerOutcome``); only the
transport is shared. A batch goes out when it is full or ``window`` seconds after its first credit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from economy_shared.ledger_client import LedgerClient
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.ledger import PostItem


@dataclass
class _Batch:
    items: list[PostItem] = field(default_factory=list)
    waiters: list[asyncio.Future[LedgerOutcome]] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


class CreditBatcher:
    def __init__(self, ledger: LedgerClient, max_items: int = 500, window: float = 0.02) -> None:
        self._ledger = ledger
        self.max_items = max_items
        self.window = window
        self._open: dict[str, _Batch] = {}
        self._inflight: set[asyncio.Task[None]] = set()

    async def post(self, channel: str, item: PostItem) -> LedgerOutcome:
        """Queue one idempotent post and wait for its own outcome."""
        loop = asyncio.get_running_loop()
        batch = self._open.setdefault(channel, _Batch())
        future: asyncio.Future[LedgerOutcome] = loop.create_future()
        batch.items.append(item)
        batch.waiters.append(future)
        if len(batch.items) >= self.max_items:
            self._send(channel)
        elif batch.timer is None:
            batch.timer = loop.call_later(self.window, self._send, channel)
        return await future

    def _send(self, channel: str) -> None:
        batch = self._open.pop(channel, None)
        if batch is None:
            return
        if batch.timer is not None:
            batch.timer.cancel()
        task = asyncio.get_running_loop().create_task(self._deliver(channel, batch))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _deliver(self, channel: str, batch: _Batch) -> None:
        try:
            outcomes = await self._ledger.post_many(channel, batch.items)
        except Exception as err:  # never leave a waiter hanging: unknown outcome, re-send as it is
            outcomes = [LedgerOutcome.unavailable(repr(err))] * len(batch.items)
        for waiter, outcome in zip(batch.waiters, outcomes, strict=True):
            if not waiter.done():
                waiter.set_result(outcome)

    async def close(self) -> None:
        """Send what is queued and wait for it (shutdown)."""
        for channel in list(self._open):
            self._send(channel)
        if self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)
