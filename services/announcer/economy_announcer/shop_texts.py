"""What the vanity shop says: built from results and stored purchases, so a shown price is the charged one."""

from __future__ import annotations

from economy_shared.config import EconomyConfig
from economy_shared.ledger_outcome import LedgerOutcome
from economy_shared.schemas.vanity import ShopItem, ShopResult, VanityState

from .vanity_rules import ITEMS, cut

NAMES = {"greeting": "greeting", "title": "title", "color": "chat colour", "gif": "channel GIF",
         "shoutout": "shoutout", "rename": "currency name", "fortune": "fortune", "cytube2": "CyTube level 2"}
PENDING = ("⏳ The bank is slow right now. Your purchase is saved and will finish when the bank answers; "
           "I'll PM you how it went.")
RESTRICTED = "⛔ Your economy access is restricted."
NOT_THROUGH = "😵 That didn't go through. Nothing was taken — try again in a moment."
BANK_SILENT = ("🏦 The bank didn't answer in time. If your CyTube promotion goes through you'll get a PM; "
               "nothing is charged twice.")


def z(config: EconomyConfig, amount: int, name: str = "") -> str:
    return f"{amount:,} {name or config.currency.symbol}"


def unknown_item(typed: str) -> str:
    return f"🤷 There's no shop item {cut(typed, 20)!r} — try 'shop'."


def not_available(word: str) -> str:
    return f"🚫 The {NAMES[word]} is not available in this shop."


def usage(word: str) -> str:
    return f"Usage: {ITEMS[word].usage}"


def palette(config: EconomyConfig) -> str:
    names = ", ".join(c.name for c in config.vanity_shop.chat_color.palette)
    return f"🎨 Pick a colour from the palette: {names or '(none configured)'}. Usage: buy color <name>"


def bad_url() -> str:
    return "🔗 A GIF needs an http:// or https:// link with a host (no spaces, at most 500 characters)."


def bad_name(why: str) -> str:
    return f"✏️ That name won't do: {why}. Usage: buy rename <name>"


def cooldown(minutes: int) -> str:
    return f"⏱️ Shoutout cooldown: {minutes} min left."


def insufficient(config: EconomyConfig, price: int, balance: int | None) -> str:
    have = f"; you have {z(config, balance)}" if balance is not None else ""
    return f"💸 That costs {z(config, price)}{have}. Nothing was charged."


def refusal(config: EconomyConfig, outcome: LedgerOutcome, price: int, balance: int | None) -> str:
    if outcome.banned:
        return RESTRICTED
    if outcome.insufficient:
        return insufficient(config, price, balance)
    return NOT_THROUGH


def charged(config: EconomyConfig, price: int, balance: int | None, name: str = "") -> str:
    if price <= 0:
        return "Free!" + (f" · Balance {z(config, balance, name)}" if balance is not None else "")
    bal = f" · Balance {z(config, balance, name)}" if balance is not None else ""
    return f"Charged {z(config, price)}{bal}"


def _replaces(old: str, word: str) -> str:
    return f" (replaces your old {NAMES[word]})" if old else ""


def stored(config: EconomyConfig, word: str, value: str, price: int, balance: int | None, old: str,
           hex_code: str = "") -> str:
    """The reply to a purchase that is stored (greeting, title, colour, rename, a GIF without approval)."""
    if word == "rename":
        return (f"✅ Your currency is now called {value!r}{_replaces(old, word)}. "
                f"{charged(config, price, balance, value)}")
    if word == "color":
        shown = f"{value} ({hex_code})" if hex_code else value
        return f"✅ Your chat colour is {shown}{_replaces(old, word)}. {charged(config, price, balance)}"
    if word == "gif":
        return f"✅ Your channel GIF is set{_replaces(old, word)}. {charged(config, price, balance)}"
    return f"✅ Your {NAMES[word]} is now: {value}{_replaces(old, word)}. {charged(config, price, balance)}"


def gif_pending(config: EconomyConfig, url: str, price: int, balance: int | None, approval_id: int | None) -> str:
    ref = f" (approval #{approval_id})" if approval_id is not None else ""
    return (f"📨 Your GIF {cut(url, 60)} waits for an admin{ref}. {charged(config, price, balance)} — "
            "refunded if it's rejected.")


def shoutout_posted(config: EconomyConfig, price: int, balance: int | None) -> str:
    return f"📢 Shoutout posted! {charged(config, price, balance)}"


NOT_POSTED = {
    "capped": "public chat is at its limit for this minute",
    "full": "the chat queue is full",
    "duplicate": "the same line was posted a moment ago",
    "disabled": "shoutouts are switched off",
    "no_template": "shoutouts are switched off",
    "render_failed": "the shoutout could not be written",
    "empty": "nothing was left of the message",
}


def refunded(config: EconomyConfig, word: str, price: int, why: str, done: bool) -> str:
    cause = f" ({why})" if why else ""
    if price <= 0:
        return f"😵 Your {NAMES[word]} didn't go through{cause}. Nothing was charged."
    back = "was refunded" if done else "is being refunded"
    return f"😵 Your {NAMES[word]} didn't go through{cause}. Your {z(config, price)} {back}."


def fortune(config: EconomyConfig, text: str, price: int, balance: int | None, free: bool) -> str:
    paid = "Free for your rank." if free else charged(config, price, balance)
    return f"🔮 {text} ({paid})"


def fortune_again(text: str) -> str:
    return f"🔮 You already had today's fortune: {text} Come back tomorrow (UTC)!"


def later_failed(word: str, why: str) -> str:
    return f"Your {NAMES[word]} purchase didn't go through: {why or 'nothing was taken'}"


# ---- shop ------------------------------------------------------------------------------------------
def _price(config: EconomyConfig, item: ShopItem) -> str:
    if item.free:
        return "free for your rank" if item.item == "fortune" and item.base_price else "free"
    shown = z(config, item.price)
    return shown + (f" (was {item.base_price:,})" if item.price != item.base_price else "")


def owned_lines(config: EconomyConfig, s: VanityState) -> list[str]:
    rows = [("greeting", s.greeting), ("title", s.title), ("colour", s.color_name), ("GIF", s.gif_url),
            ("GIF waiting for approval", s.gif_pending), ("currency name", s.currency_name)]
    lines = [f"• {label}: {cut(value)}" for label, value in rows if value]
    if s.fortune_today:
        lines.append("• today's fortune: seen")
    return lines


def shop(config: EconomyConfig, r: ShopResult) -> str:
    if not r.items:
        return "🛍️ The vanity shop is closed right now."
    who = f" for {r.rank_name}" if r.rank_name else ""
    lines = [f"🛍️ Vanity shop (prices{who}):"]
    for item in r.items:
        lines.append(f"• {NAMES[item.item]}: {_price(config, item)} — {item.usage}")
        if item.description:
            lines.append(f"  {item.description}")
        if item.item == "color":
            lines.append("  Colours: " + ", ".join(c.name for c in config.vanity_shop.chat_color.palette))
    if r.owned is not None:
        mine = owned_lines(config, r.owned)
        lines.append("Your items:" if mine else "Your items: none yet.")
        lines.extend(mine)
    return "\n".join(lines)
