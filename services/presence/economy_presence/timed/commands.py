"""Admin PM ``rain <amount>``: share an amount among everyone present right now.

The admin is not charged: it is a channel gift, paid as kind ``earn`` to the recipients (like
ambient rain, DECISIONS 5), so bans apply and it counts toward ranks. The admin is left out of
their own rain (an admin could otherwise mint coins for themselves). One batched posting per
command under ``rain:<chan>:admin:<admin>:<ms>``: a retry of that request never pays twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.clock import to_ms
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext

from .rain import Rain, split

if TYPE_CHECKING:
    from ..service import PresenceService

mark_live("rain")

MAX_RAIN = 1_000_000_000


def parse_amount(args: list[str]) -> int | None:
    if len(args) != 1:
        return None
    text = args[0].replace(",", "").replace("_", "")
    if not text.isdigit():
        return None
    amount = int(text)
    return amount if 0 < amount <= MAX_RAIN else None


def register(service: PresenceService, rain: Rain) -> None:
    @service.pm.command("rain")
    async def rain_cmd(ctx: PmContext) -> str:
        amount = parse_amount(ctx.args)
        if amount is None:
            return ctx.usage()
        channel = service.canonical(ctx.channel)
        users = [u for u in service.eligible_names(channel) if u.casefold() != ctx.key]
        if not users:
            return "☔ Nobody else is here to rain on."
        shares = split(amount, users, rain.rng)
        key = f"rain:{channel.casefold()}:admin:{ctx.key}:{to_ms(service.clock.now())}"
        poured = await rain.pour(channel, key, shares, "rain.admin", f"Rain from {ctx.user}")
        if not poured.paid:
            if not poured.done:
                return "😵 The bank didn't answer, so nothing was paid. Try again in a moment."
            return "☔ Nobody here could receive it."
        await rain.tell(channel, poured.paid, ctx.user)
        sym = service.config.currency.symbol
        n, total = len(poured.paid), sum(poured.paid.values())
        partly = "" if poured.done else " (the bank missed part of it; that part was not paid)"
        return f"☔ Rained {total:,} {sym} on {n} user{'s' if n != 1 else ''}{partly}."
