"""Every PM command word and alias, each owned by exactly one service (ARCHITECTURE §5).

``help`` (in the ledger's process) lists the entries marked ``live=True`` here: the flag is static
so every process agrees on it. The other entries are reserved, so no two services can ever claim
the same word. A contract test checks that each service answers exactly its live words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..subjects import ServiceName


@dataclass(frozen=True)
class CommandEntry:
    word: str
    owner: ServiceName
    summary: str
    usage: str = ""
    aliases: tuple[str, ...] = ()
    admin: bool = False
    live: bool = False


_ENTRIES: tuple[CommandEntry, ...] = (
    # ledger
    CommandEntry("help", "ledger", "this list", live=True),
    CommandEntry("balance", "ledger", "your wallet, rank and streak", aliases=("bal",), live=True),
    CommandEntry("history", "ledger", "your recent transactions", usage="history [n]", live=True),
    CommandEntry("rank", "ledger", "your rank and what the next one unlocks", live=True),
    CommandEntry("profile", "ledger", "your profile card, or someone else's", usage="profile [@user]", live=True),
    CommandEntry("achievements", "ledger", "badges you've earned", live=True),
    CommandEntry("top", "ledger", "the leaderboards", usage="top [earners|rich|lifetime|ranks]",
                 aliases=("leaderboard", "lb"), live=True),
    CommandEntry("tip", "ledger", "give coins to someone", usage="tip @user <amount>", live=True),
    CommandEntry("bounty", "ledger", "post a bounty (escrowed until claimed)",
                 usage='bounty <amount> "<description>" | bounty cancel <id>', live=True),
    CommandEntry("bounties", "ledger", "open bounties", live=True),
    CommandEntry("grant", "ledger", "credit a user", usage="grant <user> <amount> [reason]", admin=True,
                 live=True),
    CommandEntry("deduct", "ledger", "debit a user", usage="deduct <user> <amount> [reason]", admin=True,
                 live=True),
    CommandEntry("set_balance", "ledger", "set a balance", usage="set_balance <user> <amount>", admin=True,
                 live=True),
    CommandEntry("set_rank", "ledger", "set a rank floor", usage="set_rank <user> <rank>", admin=True, live=True),
    CommandEntry("ban", "ledger", "economy-ban a user", usage="ban <user> [reason]", admin=True, live=True),
    CommandEntry("unban", "ledger", "lift an economy ban", usage="unban <user>", admin=True, live=True),
    CommandEntry("claim_bounty", "ledger", "award a bounty", usage="claim_bounty <id> @winner", admin=True,
                 live=True),
    CommandEntry("econ:stats", "ledger", "economy overview", admin=True, live=True),
    CommandEntry("econ:user", "ledger", "inspect a user", usage="econ:user <user>", admin=True, live=True),
    CommandEntry("econ:health", "ledger", "participation, median, trend, ledger audit", admin=True, live=True),
    CommandEntry("reload", "ledger", "reload the config file everywhere", admin=True, live=True),
    # presence
    CommandEntry("rewards", "presence", "ways to earn", live=True),
    CommandEntry("like", "presence", "like what's playing", live=True),
    CommandEntry("events", "presence", "active earning bonuses", aliases=("multipliers",), live=True),
    CommandEntry("rain", "presence", "make it rain on everyone here", usage="rain <amount>", admin=True, live=True),
    CommandEntry("event", "presence", "start/stop a bonus event",
                 usage='event start <multiplier> <minutes> "<name>" | event stop', admin=True, live=True),
    CommandEntry("econ:triggers", "presence", "earning trigger analytics", admin=True, live=True),
    # gambling
    CommandEntry("spin", "gambling", "pull the slot machine", usage="spin [wager]", live=True),
    CommandEntry("flip", "gambling", "double or nothing", usage="flip <wager>", live=True),
    CommandEntry("challenge", "gambling", "duel someone", usage="challenge @user <wager>", live=True),
    CommandEntry("accept", "gambling", "accept a challenge", live=True),
    CommandEntry("decline", "gambling", "decline a challenge", live=True),
    CommandEntry("heist", "gambling", "plan or join a heist", usage="heist [wager] | heist join", live=True),
    CommandEntry("gambling", "gambling", "your gambling record", aliases=("stats",), live=True),
    CommandEntry("econ:gambling", "gambling", "house edge and totals", admin=True, live=True),
    # media
    CommandEntry("search", "media", "search the catalog", usage="search <words>", live=True),
    CommandEntry("queue", "media", "queue a title", usage="queue <id>", live=True),
    CommandEntry("playnext", "media", "queue a title to play next", usage="playnext <id>", live=True),
    CommandEntry("forcenow", "media", "play a title right now", usage="forcenow <id>", live=True),
    CommandEntry("approve_play", "media", "approve a force-play", usage="approve_play <id>", admin=True, live=True),
    CommandEntry("reject_play", "media", "reject a force-play", usage="reject_play <id>", admin=True, live=True),
    # announcer
    CommandEntry("shop", "announcer", "the vanity shop: greetings, titles, colours, shoutouts…", live=True),
    CommandEntry("buy", "announcer", "buy from the shop", usage="buy <item> [value]", live=True),
    CommandEntry("fortune", "announcer", "today's fortune (once a day)", live=True),
    CommandEntry("quiet", "announcer", "stop or resume bot notifications", usage="quiet [on|off]", live=True),
    CommandEntry("announce", "announcer", "post a public announcement", usage="announce <text>", admin=True, live=True),
    CommandEntry("approve_gif", "announcer", "approve a GIF", usage="approve_gif <user>", admin=True, live=True),
    CommandEntry("reject_gif", "announcer", "reject a GIF (refunds it)", usage="reject_gif <user>", admin=True,
                 live=True),
    CommandEntry("pending_gifs", "announcer", "GIFs waiting for approval", admin=True, live=True),
)

def entries() -> tuple[CommandEntry, ...]:
    return _ENTRIES


def mark_live(*words: str) -> None:
    """A command module's declaration of what it builds; it must match the catalog's ``live`` flags."""
    live = {e.word for e in _ENTRIES if e.live}
    known = {e.word for e in _ENTRIES}
    unknown = set(words) - known
    if unknown:
        raise ValueError(f"not in the catalog: {sorted(unknown)}")
    if set(words) - live:
        raise ValueError(f"set live=True in the catalog for: {sorted(set(words) - live)}")


def word_index() -> dict[str, CommandEntry]:
    """Every word and alias → its entry. Raises if two entries claim one word."""
    index: dict[str, CommandEntry] = {}
    for entry in entries():
        for word in (entry.word, *entry.aliases):
            if word in index:
                raise ValueError(f"PM word {word!r} has two owners: {index[word].owner} and {entry.owner}")
            index[word] = entry
    return index


def owned_by(service: ServiceName) -> dict[str, CommandEntry]:
    return {w: e for w, e in word_index().items() if e.owner == service}
