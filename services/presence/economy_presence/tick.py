"""The presence minute, as pure rules (DECISIONS 3, 9, 10): what each present user earns this tick.

Rates accumulate exactly in milli-Z per user; whole Z are paid, the rest is carried. Keys are
``presence:<channel>:<tick id>[:<chunk>]`` (the scheduled slot, or ``m<n>`` for a manual tick).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from economy_shared.channels import channel_key
from economy_shared.config.presence import PresenceSettings
from economy_shared.schemas.ledger import Posting, PostingKind, PostItem

from .accrual import accrue, to_milli
from .credit import POSTINGS_PER_ITEM
from .events.multipliers import NO_BOOST, Boost
from .sessions import Session

SOURCE = "presence"
TRIGGER = "presence.base"


def rate_milli(p: PresenceSettings, at: datetime, afk: bool, boost: Boost = NO_BOOST) -> int:
    """Milli-Z one user earns this minute: base (+ active bonus unless AFK) × night watch × the event boost."""
    rate = Decimal(str(p.base_rate_per_minute))
    if not afk:
        rate += Decimal(str(p.active_bonus_per_minute))
    nw = p.night_watch
    if nw.enabled and at.hour in nw.hours:
        rate *= Decimal(str(nw.multiplier))
    return to_milli(rate * boost.factor)


@dataclass(frozen=True)
class MinutePlan:
    postings: list[Posting]  # whole Z to pay now
    carries: dict[str, int]  # user key -> new sub-Z carry (only the ones that changed)


def plan_minute(
    present: Mapping[str, Session], carries: Mapping[str, int], p: PresenceSettings, at: datetime,
    boost: Boost = NO_BOOST,
) -> MinutePlan:
    rates = {False: rate_milli(p, at, False, boost), True: rate_milli(p, at, True, boost)}
    meta = boost.metadata()  # the journal row says which multipliers applied (DECISIONS 11)
    postings: list[Posting] = []
    new_carries: dict[str, int] = {}
    for key, session in present.items():
        before = carries.get(key, 0)
        whole, rest = accrue(before, rates[session.afk])
        if rest != before:
            new_carries[key] = rest
        if whole > 0:
            postings.append(Posting(user=session.display, amount=whole, kind=PostingKind.EARN, trigger_id=TRIGGER,
                                    metadata=meta))
    return MinutePlan(postings, new_carries)


def tick_items(channel: str, tick_id: str, postings: list[Posting]) -> list[PostItem]:
    """The tick's ledger requests: one item per ``POSTINGS_PER_ITEM`` postings, each its own key."""
    base = f"presence:{channel_key(channel)}:{tick_id}"
    chunked = len(postings) > POSTINGS_PER_ITEM
    return [
        PostItem(
            idempotency_key=f"{base}:{i // POSTINGS_PER_ITEM}" if chunked else base,
            postings=postings[i : i + POSTINGS_PER_ITEM],
            on_banned="skip",
            want_balances=False,
        )
        for i in range(0, len(postings), POSTINGS_PER_ITEM)
    ]
