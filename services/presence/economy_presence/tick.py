"""The presence tick: every present user earns, in one batched ledger request per channel.

One tick is one "presence minute" (``presence.tick_interval_seconds`` is 60 in production; tests
shorten it). Keys are ``presence:<channel>:<slot>[:<chunk>]``, so a retried or replayed tick
pays once. A chunk the ledger does not answer is kept in presence's database with its key and
body and re-sent, unchanged, at every tick until it is answered: it may have committed with only the
reply lost, so it must never be paid again under a new key (carries hold only sub-Z fractions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from economy_shared.channels import channel_key
from economy_shared.clock import day_str, to_ms
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem
from economy_shared.users import user_key

from .accrual import accrue, to_milli

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
        reports.append(await tick_channel(service, channel, str(slot), slot, at))
    return reports


async def run_manual_tick(service: PresenceService, at: datetime) -> list[TickReport]:
    """An extra presence minute now (``presence.tick_now``), outside the wall-clock schedule.

    It has its own keys (``presence:<chan>:now<ms>``) and leaves the schedule alone, so the next
    scheduled tick still runs and no scheduled slot is ever paid twice or skipped.
    """
    return [
        await tick_channel(service, channel, f"now{to_ms(at)}", service.last_slot, at)
        for channel in service.config.channel_names()
    ]


async def resend_pending(service: PresenceService, channel: str) -> int:
    """Re-send every unanswered tick credit exactly as it was first sent; returns Z that moved now."""
    items = await service.store.pending_posts(channel)
    answered: list[str] = []
    moved = 0
    for item in items:
        outcome = await service.ledger.post_item(channel, item)
        if not outcome.answered:
            break  # still dark: keep this and the rest for the next tick
        answered.append(item.idempotency_key)
        if outcome.applied:
            skipped = set(outcome.skipped)
            moved += sum(p.amount for p in item.postings if user_key(p.user) not in skipped)
        elif not outcome.moved:
            service.log.warning("presence_credit_refused", channel=channel, key=item.idempotency_key,
                                status=outcome.status.value, code=str(outcome.code))
    if answered:
        await service.store.drop_pending(channel, answered)
    return moved


async def tick_channel(service: PresenceService, channel: str, tag: str, slot: int, at: datetime) -> TickReport:
    started = time.perf_counter()
    book = service.books[channel]
    carries = service.carries[channel]
    present = {k: s for k, s in book.present().items() if not service.config.is_ignored(s.display)}
    paid = await resend_pending(service, channel)
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
    unanswered: list[PostItem] = []
    chan = channel_key(channel)
    for i in range(0, len(postings), CHUNK):
        chunk = postings[i : i + CHUNK]
        suffix = f":{i // CHUNK}" if len(postings) > CHUNK else ""
        item = PostItem(idempotency_key=f"presence:{chan}:{tag}{suffix}", postings=chunk, on_banned="skip",
                        want_balances=False)
        outcome = await service.ledger.post_item(channel, item)
        if outcome.moved:
            paid += sum(p.amount for p in chunk)
        elif not outcome.answered:
            # The ledger may have committed and lost only its reply: keep the request itself (same key,
            # same body) and re-send it until it is answered. Never re-post these Z under another key.
            service.log.warning("presence_credit_unanswered", channel=channel, key=item.idempotency_key)
            unanswered.append(item)
        else:
            service.log.warning("presence_credit_refused", channel=channel, key=item.idempotency_key,
                                status=outcome.status.value, code=str(outcome.code))
    carries.update(new_carries)
    minutes = [(k, 0 if s.afk else 1) for k, s in present.items()]
    await service.store.commit_tick(channel, slot, to_ms(at), day_str(at), new_carries, SOURCE, minutes, unanswered)
    book.mark_seen(at)
    await service.on_minutes(channel, present, at)
    seconds = time.perf_counter() - started
    service.tick_seconds.labels(channel).observe(seconds)
    service.z_earned.labels(channel, "presence").inc(paid)
    service.active_users.labels(channel).set(len(present))
    return TickReport(slot=slot, credited_users=len(postings), z_paid=paid, seconds=seconds)
