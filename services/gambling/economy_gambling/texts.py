"""What the bot says: PM lines built from results, so shown amounts always equal credited amounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from economy_shared.config import EconomyConfig
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.gambling import GamblerStats, GamblingSummary, PlayResult

if TYPE_CHECKING:
    from .duel_store import Duel
    from .heist_store import Seat


CLOSED_FOR_A_MOMENT = "🎰 The casino is closed for a moment — try again shortly."
PENDING = "⏳ The bank is slow right now. Your game will finish on its own and I'll PM you the result."
RESTRICTED = "⛔ Your economy access is restricted."
NOT_THROUGH = "😵 That didn't go through. Nothing was taken — try again in a moment."


def insufficient(config: EconomyConfig, balance: int | None) -> str:
    cur = config.currency
    if balance is None:
        return f"💸 You don't have enough {cur.plural} for that."
    return f"💸 You don't have enough {cur.plural} for that (balance: {balance:,} {cur.symbol})."


def ledger_refusal(config: EconomyConfig, outcome: LedgerOutcome) -> str:
    """The line for a ledger refusal (DECISIONS 7: one clear line for a banned user)."""
    if outcome.banned:
        return RESTRICTED
    if outcome.insufficient:
        return insufficient(config, None)
    return NOT_THROUGH


def _z(config: EconomyConfig, amount: int) -> str:
    return f"{amount:,} {config.currency.symbol}"


def _signed(config: EconomyConfig, amount: int) -> str:
    return f"{'+' if amount >= 0 else '-'}{abs(amount):,} {config.currency.symbol}"


def _bal(config: EconomyConfig, balance: int | None) -> str:
    return f" Balance: {_z(config, balance)}" if balance is not None else ""


def play_text(config: EconomyConfig, r: PlayResult) -> str:
    bal = _bal(config, r.balance)
    if r.game == "flip":
        face = "🪙 Heads!" if r.payout > 0 else "🪙 Tails!"
        verdict = f"WIN {_signed(config, r.net)}" if r.net > 0 else f"Loss {_signed(config, r.net)}"
        return f"{face} {verdict}.{bal}"
    if r.game == "free_spin":
        if r.payout <= 0:
            return f"🎁🎰 {r.symbols} — no luck today. Try again tomorrow!"
        return f"🎁🎰 {r.symbols} — FREE SPIN WIN! +{_z(config, r.payout)}.{bal}"
    if r.outcome == "jackpot":
        return f"🎰 {r.symbols} — 💥 JACKPOT! {_signed(config, r.net)} (paid {_z(config, r.payout)}).{bal}"
    if r.outcome == "win":
        return f"🎰 {r.symbols} — WIN! {_signed(config, r.net)} (paid {_z(config, r.payout)}).{bal}"
    if r.outcome == "push":
        return f"🎰 {r.symbols} — Push, your wager back.{bal}"
    return f"🎰 {r.symbols} — Loss {_signed(config, r.net)}.{bal}"


def invite(config: EconomyConfig, challenger: str, wager: int, seconds: int) -> str:
    return (f"⚔️ {challenger} challenges you to a duel for {_z(config, wager)}! "
            f"PM 'accept' or 'decline' within {seconds}s.")


def challenge_sent(config: EconomyConfig, target: str, wager: int, balance: int | None) -> str:
    held = "your stake is held until they answer"
    return f"⚔️ Challenge sent to {target} for {_z(config, wager)} ({held}).{_bal(config, balance)}"


def duel_result(config: EconomyConfig, duel: Duel, viewer: str, balance: int | None) -> str:
    prize, rake = duel.prize or 0, duel.rake or 0
    opponent = duel.target if viewer == duel.challenger else duel.challenger
    cut = f", house rake {_z(config, rake)}" if rake else ""
    if viewer == duel.winner:
        return (f"⚔️ You beat {opponent}! You take {_z(config, prize)} "
                f"({_signed(config, prize - duel.wager)} net{cut}).{_bal(config, balance)}")
    return f"⚔️ {opponent} won this one. {_signed(config, -duel.wager)}.{_bal(config, balance)}"


def refund_notices(config: EconomyConfig, duel: Duel) -> list[tuple[str, str]]:
    """Who hears about a returned challenge stake, by why it was returned (the one who acted gets a reply)."""
    back = f"your {_z(config, duel.wager)} is back"
    if duel.reason == "declined":
        return [(duel.challenger, f"🙅 {duel.target} declined your challenge; {back}.")]
    if duel.reason == "withdrawn":
        return [(duel.target, f"↩️ {duel.challenger} withdrew their challenge.")]
    if duel.reason == "expired":
        return [(duel.challenger, f"⌛ {duel.target} didn't answer your challenge in time; {back}."),
                (duel.target, f"⌛ The challenge from {duel.challenger} expired.")]
    return [(duel.challenger, f"⛔ Your challenge with {duel.target} was called off; {back}.")]


def heist_started(config: EconomyConfig, wager: int, seconds: int) -> str:
    need = config.gambling.heist.min_participants
    return (f"🏦 Heist planned with a {_z(config, wager)} stake! You need a crew of {need}; "
            f"others have {seconds}s to PM 'heist join'.")


def heist_joined(config: EconomyConfig, wager: int, crew: int, need: int, seconds: int) -> str:
    return f"🏦 You're in! Stake {_z(config, wager)}. Crew: {crew}/{need}. The job starts in {seconds}s."


def heist_result(config: EconomyConfig, outcome: str, seat: Seat, payout: int | None, crew: int, need: int) -> str:
    if outcome == "cancelled":
        return (f"🏦 The heist was called off: a crew of {crew}, {need} needed. "
                f"Your {_z(config, seat.stake)} stake is back.")
    if seat.refund:
        return f"🏦 The heist went ahead without you; your {_z(config, seat.stake)} stake is back."
    if outcome == "success":
        return f"💰 The heist worked! You got {_z(config, payout or 0)} for your {_z(config, seat.stake)} stake."
    return f"🚨 The heist went wrong. You lost your {_z(config, seat.stake)} stake."


def stats_text(config: EconomyConfig, s: GamblerStats) -> str:
    if s.total_plays == 0:
        return "🎲 You haven't gambled yet. Try 'spin' for your free daily spin!"
    return "\n".join([
        f"🎲 {s.user}'s gambling record",
        f"🎰 Spins: {s.spins:,} (+{s.free_spins:,} free) • 🪙 Flips: {s.flips:,}",
        f"⚔️ Challenges: {s.challenges:,} • 🏦 Heists: {s.heists:,}",
        f"📈 Biggest win: {_z(config, s.biggest_win)} • 📉 Biggest loss: {_z(config, s.biggest_loss)}",
        f"💰 Wagered {_z(config, s.lifetime_wagered)}, won {_z(config, s.lifetime_paid)} "
        f"— net {_signed(config, s.net)}",
    ])


def summary_text(config: EconomyConfig, s: GamblingSummary) -> str:
    lines = ["🎰 House report (edge = 1 - paid/wagered)"]
    for g in s.games:
        conf = f"{1 - g.configured_return:.1%}" if g.configured_return is not None else "—"
        actual = f"{1 - g.actual_return:.1%}" if g.actual_return is not None else "—"
        lines.append(f"• {g.game}: {g.plays:,} plays by {g.players:,}, in {_z(config, g.wagered)}, "
                     f"out {_z(config, g.paid)}; edge {actual} (configured {conf})")
    lines.append(f"House net {_signed(config, s.house_net)} • active (24h): {s.active_gamblers_24h:,} • "
                 f"in escrow: {_z(config, s.escrowed)}")
    return "\n".join(lines)
