"""Admin PM ``rain <amount>``: share an amount among everyone present right now.

The admin is not charged: it is a channel gift, paid as kind ``admin`` (DECISIONS 5: admin postings
count to no lifetime counter), so raining a fortune on someone never buys them a rank. The ledger
does not apply bans to admin postings, so banned users are left out here (asked of the ledger
first; if it cannot say, nothing is paid). The admin is left out of their own rain. Buckets are
keyed ``rain:<chan>:admin:<admin>:<ms>:bNN``: a retry of that request never pays twice, and a bucket
whose answer was lost but which committed (a replay) is reported as paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.channels import channel_key
from economy_shared.clock import to_ms
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext
from economy_shared.pm.text import parse_amount
from economy_shared.schemas.ledger import PostingKind
from economy_shared.users import user_key

from .rain import Rain, split

if TYPE_CHECKING:
    from ..service import PresenceService

mark_live("rain")

MAX_RAIN = 1_000_000_000


def register(service: PresenceService, rain: Rain) -> None:
    @service.pm.command("rain")
    async def rain_cmd(ctx: PmContext) -> str:
        amount = parse_amount(ctx.args[0]) if len(ctx.args) == 1 else None
        if amount is None or amount > MAX_RAIN:
            return ctx.usage()
        channel = service.canonical(ctx.channel)
        present = [u for u in service.eligible_names(channel) if user_key(u) != ctx.key]
        banned = await service.ledger.banned(channel, present)
        if banned is None:
            return "😵 The bank didn't answer, so nothing was paid. Try again in a moment."
        users = [u for u in present if user_key(u) not in banned]
        if not users:
            return "☔ Nobody else is here to rain on."
        shares = split(amount, users, rain.rng)
        key = f"rain:{channel_key(channel)}:admin:{ctx.key}:{to_ms(service.clock.now())}"
        poured = await rain.pour(channel, key, shares, "rain.admin", f"Rain from {ctx.user}", PostingKind.ADMIN)
        if not poured.paid:
            if not poured.done:
                return "😵 The bank didn't answer, so nothing was paid. Try again in a moment."
            return "☔ Nobody here could receive it."
        await rain.tell(channel, poured.paid, ctx.user)
        sym = service.config.currency.symbol
        n, total = len(poured.paid), sum(poured.paid.values())
        partly = "" if poured.done else " (the bank missed part of it; that part was not paid)"
        return f"☔ Rained {total:,} {sym} on {n} user{'s' if n != 1 else ''}{partly}."
