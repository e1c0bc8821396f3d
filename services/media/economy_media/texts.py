"""What the bot says about media: lines built from results, so a shown price is the charged price."""

from __future__ import annotations

from datetime import datetime

from economy_shared.config import EconomyConfig
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.media import CatalogEntry, PendingApproval, QueueResult, SearchResult

from .limits import Blackout, minutes_up

NOT_CONFIGURED = "📼 Paid queueing isn't set up in this channel."
CATALOG_DOWN = "📼 The catalog isn't answering right now. Nothing was charged — try again in a moment."
BANK_CLOSED = "🏦 The bank is closed for a moment. Nothing was charged — try again shortly."
PENDING = ("⏳ The bank is slow right now. Your request is saved and will finish on its own; "
           "I'll PM you how it went.")
RESTRICTED = "⛔ Your economy access is restricted."
NOT_THROUGH = "😵 That didn't go through. Nothing was taken — try again in a moment."
BOTS = "🚫 Bots don't buy airtime."
VERB = {"queue": "queue", "playnext": "play-next", "forcenow": "force-play"}


def z(config: EconomyConfig, amount: int) -> str:
    return f"{amount:,} {config.currency.symbol}"


def duration(seconds: int) -> str:
    """``45s``, ``12m 05s``, ``1h 51m`` (sprint 5 §8)."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def blackout(window: Blackout, now: datetime) -> str:
    when = window.ends.strftime("%H:%M UTC") if window.ends.date() == now.date() else window.ends.strftime(
        "%a %H:%M UTC")
    return f"🔒 Paid queueing is locked during {window.name} — back at {when}."


def daily_limit(allowed: int) -> str:
    if allowed <= 0:
        return "📅 Paid queueing isn't open to you today."
    return f"📅 You've used your {allowed} paid queue{'s' if allowed != 1 else ''} for today ({allowed}/{allowed}). " \
           "More tomorrow (UTC)!"


def cooldown(seconds_left: int) -> str:
    minutes = minutes_up(seconds_left)
    return f"⏱️ Queue cooldown: {minutes} min left."


def unknown_item(media_id: str) -> str:
    return f"🤷 There's no catalog item {media_id!r}. Try: search <words>"


def not_queueable(title: str) -> str:
    return f"🤷 \"{title}\" can't be put on a CyTube playlist."


def insufficient(config: EconomyConfig, cost: int, balance: int | None) -> str:
    have = f"; you have {z(config, balance)}" if balance is not None else ""
    return f"💸 That costs {z(config, cost)}{have}."


def no_account(config: EconomyConfig) -> str:
    return f"💸 You need an account first — stick around and earn some {config.currency.plural}!"


def ledger_refusal(config: EconomyConfig, outcome: LedgerOutcome, cost: int) -> str:
    if outcome.banned:
        return RESTRICTED
    if outcome.insufficient:
        return insufficient(config, cost, None)
    return NOT_THROUGH


def _priced(config: EconomyConfig, r: QueueResult) -> str:
    off = f" ({r.discount_percent}% {r.rank_name + ' ' if r.rank_name else ''}discount)" if r.discount_percent else ""
    return f"{z(config, r.cost)}{off}"


def _balance(config: EconomyConfig, balance: int | None) -> str:
    return f" Balance: {z(config, balance)}" if balance is not None else ""


def queued(config: EconomyConfig, r: QueueResult) -> str:
    item = f"\"{r.title}\" ({duration(r.duration_seconds)})"
    bal = _balance(config, r.balance)
    if r.status == "awaiting_approval":
        return (f"📨 Force-play of {item} is waiting for an admin (request #{r.request_id}). "
                f"Charged {_priced(config, r)} — refunded if it's rejected.{bal}")
    if r.action == "forcenow":
        how = "is playing now" if r.played_now else "plays next"
        return f"⚡ {item} {how}! Charged {_priced(config, r)}.{bal}"
    if r.action == "playnext":
        return f"⏭️ {item} plays next! Charged {_priced(config, r)}.{bal}"
    return f"🎬 Queued {item}. Charged {_priced(config, r)}.{bal}"


def refunded(config: EconomyConfig, title: str, cost: int, why: str, done: bool) -> str:
    back = f"Your {z(config, cost)} {'was refunded' if done else 'is being refunded'}"
    cause = f" ({why})" if why else ""
    return f"😵 \"{title}\" couldn't be queued{cause}. {back} — you can queue again right away."


def later(config: EconomyConfig, r: QueueResult) -> str:
    """The PM for a request that finished after its reply (ledger slow, restart): the final word on it."""
    verb = VERB[r.action]
    if r.status == "queued" or r.status == "awaiting_approval":
        return f"✅ Your {verb} went through after all. " + queued(config, r)
    if r.status in ("refunded", "refunding"):
        return refunded(config, r.title, r.cost, r.error, r.status == "refunded")
    return f"Your {verb} of \"{r.title}\" didn't go through: {r.error or 'nothing was taken'}"


def approved_for_user(config: EconomyConfig, r: QueueResult, admin: str) -> str:
    if r.status == "queued":
        how = "it's playing now" if r.played_now else "it plays next"
        return f"✅ {admin} approved your force-play of \"{r.title}\" — {how}!"
    return refunded(config, r.title, r.cost, r.error, r.status == "refunded")


def rejected_for_user(config: EconomyConfig, r: QueueResult, admin: str) -> str:
    state = "refunded" if r.status == "refunded" else "being refunded"
    return f"❌ {admin} rejected your force-play of \"{r.title}\". Your {z(config, r.cost)} is {state}."


def resolved_for_admin(config: EconomyConfig, r: QueueResult, approved: bool) -> str:
    who = f"#{r.request_id} ({r.user}, \"{r.title}\")"
    if not approved:
        return f"❌ Rejected {who}; {z(config, r.cost)} goes back to {r.user}."
    if r.status == "queued":
        return f"✅ Approved {who}: {'playing now' if r.played_now else 'plays next'}."
    return f"⚠️ Approved {who}, but CyTube didn't take it ({r.error}); {r.user} is refunded."


def approvals(config: EconomyConfig, pending: list[PendingApproval], now_ms: int) -> str:
    if not pending:
        return "📋 No force-plays are waiting for approval."
    lines = ["📋 Force-plays waiting (approve_play <id> / reject_play <id>):"]
    for p in pending:
        age = max(0, now_ms - p.requested_ms) // 60_000
        lines.append(f"#{p.approval_id} {p.user}: \"{p.title}\" ({duration(p.duration_seconds)}), "
                     f"{z(config, p.cost)}, {age} min ago")
    return "\n".join(lines)


def _entry(config: EconomyConfig, n: int, e: CatalogEntry) -> str:
    price = z(config, e.cost)
    if e.cost != e.base_cost:
        price += f" (was {e.base_cost:,})"
    return f"{n}. \"{e.title}\" ({duration(e.duration_seconds)}) · id {e.id} · {price}"


def search_results(config: EconomyConfig, r: SearchResult) -> str:
    if not r.results:
        return f"🔎 Nothing in the catalog matches \"{r.query}\"."
    count = len(r.results)
    off = f" ({r.discount_percent}% off for your rank)" if r.discount_percent else ""
    lines = [f"🔎 {count} result{'s' if count != 1 else ''} for \"{r.query}\"{off}:"]
    lines += [_entry(config, i, e) for i, e in enumerate(r.results, 1)]
    lines.append("queue <id> to add one · playnext <id> to jump the line")
    return "\n".join(lines)
