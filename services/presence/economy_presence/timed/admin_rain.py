"""Admin ``rain <amount>``: share an amount among everyone present right now (the use case; wording is
in ``commands.py``).

The admin is not charged: it is a channel gift, posted as kind ``admin`` (DECISIONS 5: admin grants
count to no lifetime counter, so raining a fortune on one user does not buy them a rank). The ledger
does not enforce bans on admin postings, so banned users are left out here (``LedgerClient.banned``);
so is the admin (who could otherwise mint coins for themselves). Keyed ``rain:<chan>:admin:<admin>:<ms>``
in fixed buckets; a bucket whose answer was lost is kept and re-sent as it is by the credit path.

No rank rain bonus here (decided): the admin chooses the total and it is split exactly; a bonus would
mint more than the admin gave, and kind ``admin`` earnings are not "earned" anyway (DECISIONS 5). The
bonus applies to the ambient rain (rain.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.ledger_client import LedgerClient
from economy_shared.schemas.ledger import PostingKind
from economy_shared.users import user_key

from ..credit import CreditPath
from .rain import Rain, split

TRIGGER = "rain.admin"


class RainStatus(StrEnum):
    POURED = "poured"  # every bucket answered (``paid`` may still be empty: nobody could receive it)
    PARTLY_PENDING = "partly_pending"  # some buckets got no answer: kept, paid when the ledger answers
    NOBODY_HERE = "nobody_here"
    NOBODY_ELIGIBLE = "nobody_eligible"  # everyone else present is banned
    UNAVAILABLE = "unavailable"  # the ledger did not answer the ban check: nothing was sent


@dataclass(frozen=True)
class AdminRainResult:
    status: RainStatus
    paid: dict[str, int] = field(default_factory=dict)
    pending_users: int = 0  # recipients in buckets that got no answer yet


class AdminRain:
    def __init__(
        self,
        rain: Rain,
        ledger: LedgerClient,
        credits: CreditPath,
        present_names: Callable[[str], list[str]],
        clock: Clock,
    ) -> None:
        self._rain = rain
        self._ledger = ledger
        self._credits = credits
        self._present_names = present_names
        self._clock = clock

    async def rain(self, channel: str, admin: str, amount: int) -> AdminRainResult:
        admin_key = user_key(admin)
        users = [u for u in self._present_names(channel) if user_key(u) != admin_key]
        if not users:
            return AdminRainResult(RainStatus.NOBODY_HERE)
        banned = await self._ledger.banned(channel, users)
        if banned is None:
            return AdminRainResult(RainStatus.UNAVAILABLE)
        users = [u for u in users if user_key(u) not in banned]
        if not users:
            return AdminRainResult(RainStatus.NOBODY_ELIGIBLE)
        shares = split(amount, users, self._rain.rng)
        key = f"rain:{channel_key(channel)}:admin:{admin_key}:{to_ms(self._clock.now())}"
        poured = await self._rain.pour(channel, key, shares, TRIGGER, f"Rain from {admin}", PostingKind.ADMIN)
        if poured.paid:
            await self._rain.tell(channel, poured.paid, admin)
        if poured.unanswered:
            await self._credits.keep(channel, poured.unanswered, "rain")
            pending = sum(len(i.postings) for i in poured.unanswered)
            return AdminRainResult(RainStatus.PARTLY_PENDING, poured.paid, pending)
        return AdminRainResult(RainStatus.POURED, poured.paid)
