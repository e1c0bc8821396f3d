"""The presence tick: every present user earns, in one batched ledger request per channel.

One tick is one "presence minute" (``presence.tick_interval_seconds`` is 60 in production; tests
shorten it). Keys are ``presence:<channel>:<slot>[:<chunk>]``, so a retried or replayed tick
pays once. If the ledger cannot be reached the owed amounts stay in the carries and are paid by
the next tick that gets through, so nothing is lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from economy_shared.clock import day_str, to_ms
from economy_shared.schemas.ledger import Posting, PostingKind

from .accrual import MILLI, accrue, to_milli

if TYPE_CHECKING:
    from .service import PresenceService

SOURCE = "presence"
CHUNK = 2000  # postings per ledger request: ~250 KB, well under NATS's 1 MB default payload


@dataclass(frozen=True)
class TickReport:
    slot: int
    credited_users: int
    z_paid: int
    seconds: float


def rate_milli(service: PresenceService, at: datetime, afk: bool) -> int:
    """Milli-Z one user earns this minute: base (+ active bonus unless AFK) × night watch."""
    p = service.config.presence
    rate = Decimal(str(p.base_rate_per_minute))
    if not afk:
        rate += Decimal(str(p.active_bonus_per_minute))
    nw = p.night_watch
    if nw.enabled and at.hour in nw.hours:
        rate *= Decimal(str(nw.multiplier))
    return to_milli(rate)


async def run_tick(service: PresenceService, slot: int, at: datetime) -> list[TickReport]:
    """Tick every channel for ``slot``; a slot already ticked is skipped (no double minutes)."""
    if slot <= service.last_slot:
        return []
    service.last_slot = slot
    reports = []
    for channel in service.config.channel_names():
        reports.append(await tick_channel(service, channel, slot, at))
    return reports


async def tick_channel(service: PresenceService, channel: str, slot: int, at: datetime) -> TickReport:
    started = time.perf_counter()
    book = service.books[channel]
    carries = service.carries[channel]
    present = {k: s for k, s in book.present().items() if not service.config.is_ignored(s.display)}
    postings: list[Posting] = []
    new_carries: dict[str, int] = {}
    for key, session in present.items():
        whole, rest = accrue(carries.get(key, 0), rate_milli(service, at, session.afk))
        if rest != carries.get(key, 0):
            new_carries[key] = rest
        if whole > 0:
            postings.append(
                Posting(user=session.display, amount=whole, kind=PostingKind.EARN, trigger_id="presence.base")
            )
    paid = 0
    chan = channel.casefold()
    for i in range(0, len(postings), CHUNK):
        chunk = postings[i : i + CHUNK]
        suffix = f":{i // CHUNK}" if len(postings) > CHUNK else ""
        reply = await service.ledger.post(
            channel, f"presence:{chan}:{slot}{suffix}", chunk, on_banned="skip", want_balances=False
        )
        if reply.success or reply.error_code == "idempotency_conflict":
            paid += sum(p.amount for p in chunk)
            continue
        service.log.warning("presence_credit_failed", channel=channel, error_code=reply.error_code)
        for p in chunk:  # keep what is owed; the next tick pays it
            key = p.user.casefold()
            new_carries[key] = new_carries.get(key, carries.get(key, 0)) + p.amount * MILLI
    carries.update(new_carries)
    minutes = [(k, 0 if s.afk else 1) for k, s in present.items()]
    await service.store.commit_tick(channel, slot, to_ms(at), day_str(at), new_carries, SOURCE, minutes)
    book.mark_seen(at)
    await service.on_minutes(channel, present, at)
    seconds = time.perf_counter() - started
    service.tick_seconds.labels(channel).observe(seconds)
    service.z_earned.labels(channel, "presence").inc(paid)
    service.active_users.labels(channel).set(len(present))
    return TickReport(slot=slot, credited_users=len(postings), z_paid=paid, seconds=seconds)
