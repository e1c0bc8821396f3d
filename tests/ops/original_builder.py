"""Build an ORIGINAL kryten-economy 0.16 database through the original's own ``EconomyDatabase`` (issue 14).

Run by the scratch venv's Python 3.12 (stdlib + ``kryten_economy`` only; never imported by the tests):

    python original_builder.py --db economy.db --expected expected.json --scenario rich
    python original_builder.py --db economy.db --expected expected.json --accounts 10000 --seed 7

``expected.json`` is read back through the original's own getters (``get_account``,
``get_or_create_streak``, ``get_user_achievements``, ``get_all_vanity_items``, ``get_quiet_mode``,
``is_banned``, ``get_open_bounties``, ``get_pending_approval``), plus ``facts``: what the script did that
the original has no getter for (tip sums, approved GIF URLs, the pending challenge).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kryten_economy.database import EconomyDatabase

RICH = "RichChan"
OTHER = "OtherChan"
GHOST = "GhostChan"  # a channel the tests do not serve
LONG_NAME = "L" * 70


async def earn(db: EconomyDatabase, user: str, channel: str, amount: int) -> None:
    await db.credit(user, channel, amount, tx_type="presence", trigger_id="presence.base")


async def spend(db: EconomyDatabase, user: str, channel: str, amount: int, trigger: str = "spend.test") -> None:
    assert await db.debit(user, channel, amount, tx_type="spend", trigger_id=trigger) is not None


async def streak(db: EconomyDatabase, user: str, channel: str, current: int, longest: int, day: str) -> None:
    await db.get_or_create_streak(user, channel)
    await db.update_streak(user, channel, current, longest, day)


async def build_rich(db: EconomyDatabase) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """A varied channel (plus a second served one and one that is not served)."""
    ch = RICH
    now = datetime.now(UTC)
    future = (now + timedelta(hours=48)).isoformat()
    past = (now - timedelta(hours=2)).isoformat()
    facts: dict[str, Any] = {"tips": {}, "approved_gif": {}, "pending_challenge": {}, "force_play": {}}

    # Alice / alice: a case collision (two accounts in the original, one person here)
    await db.get_or_create_account("Alice", ch)
    assert await db.claim_welcome_wallet("Alice", ch, 100)
    await earn(db, "Alice", ch, 1200)
    await spend(db, "Alice", ch, 200)
    await db.update_account_rank("Alice", ch, "Grip")
    await db.award_achievement("Alice", ch, "first_words")
    await db.award_achievement("Alice", ch, "regular")
    await db.set_vanity_item("Alice", ch, "custom_greeting", "Alice has entered the building")
    await db.set_vanity_item("Alice", ch, "chat_color", "#ff8800")
    await streak(db, "Alice", ch, 5, 9, "2026-01-04")
    await earn(db, "alice", ch, 60)
    await db.award_achievement("alice", ch, "regular")  # the same achievement on both rows
    await db.award_achievement("alice", ch, "night_owl")
    await streak(db, "alice", ch, 2, 3, "2025-12-30")
    # tips: Alice → Bob 30, alice → Carol 5
    await spend(db, "Alice", ch, 30, "spend.tip")
    await earn(db, "Bob", ch, 30)
    await db.record_tip("Alice", "Bob", ch, 30)
    await spend(db, "alice", ch, 5, "spend.tip")
    await db.credit("Carol", ch, 5, tx_type="tip_receive", trigger_id="earn.tip")
    await db.record_tip("alice", "Carol", ch, 5)
    facts["tips"] = {"alice": {"sent": 35, "received": 0}, "bob": {"sent": 0, "received": 30},
                     "carol": {"sent": 0, "received": 5}}
    # an open bounty by Alice (debited, as the original's bounty manager does)
    await spend(db, "Alice", ch, 150, "bounty.create")
    await db.create_bounty("Alice", ch, "Find the lost reel", 150, future)

    # Bob: banned, quiet, a title and a personal currency, gambling counters
    await earn(db, "Bob", ch, 500)
    await db.ban_user("Bob", ch, "admin", "botting")
    await db.set_quiet_mode("Bob", ch, True)
    await db.set_vanity_item("Bob", ch, "custom_title", "The Builder")
    await db.set_vanity_item("Bob", ch, "personal_currency_name", "Bobcoins")
    await db.increment_lifetime_gambled("Bob", ch, 120, 80)
    await db.update_gambling_stats("Bob", ch, "spin", net=-40, biggest_loss=40)
    await db.award_achievement("Bob", ch, "high_roller")
    # a claimed bounty by Bob (won by Carol)
    await spend(db, "Bob", ch, 100, "bounty.create")
    claimed = await db.create_bounty("Bob", ch, "Spot the cameo", 100, future)
    await db.claim_bounty(claimed, ch, "Carol", "admin")
    await earn(db, "Carol", ch, 100)

    # Carol: quiet, everything else default except an inactive colour; Zed: a zero balance, nothing else
    await db.set_quiet_mode("Carol", ch, True)
    await db.set_vanity_item("Carol", ch, "chat_color", "#00ff00")
    await db.deactivate_vanity_item("Carol", ch, "chat_color")
    await db.get_or_create_account("Zed", ch)

    # Dave: a rank above what lifetime_earned gives; a pending challenge (wager taken); an unswept bounty
    await earn(db, "Dave", ch, 300)
    await db.update_account_rank("Dave", ch, "Director")
    assert await db.atomic_debit("Dave", ch, 40, tx_type="wager_challenge", trigger_id="gambling.challenge")
    challenge = await db.create_challenge("Dave", "Erin", ch, 40, now + timedelta(seconds=120))
    facts["pending_challenge"] = {"dave": {"id": challenge, "wager": 40}}
    await spend(db, "Dave", ch, 60, "bounty.create")
    await db.create_bounty("Dave", ch, "Name that tune", 60, past)  # expired, not yet swept: still open
    await streak(db, "Dave", ch, 1, 12, "2026-01-05")

    # Erin: approved GIF, an unknown vanity item, an expired (swept) bounty, a settled challenge
    await earn(db, "Erin", ch, 2000)
    await spend(db, "Erin", ch, 500, "spend.vanity.channel_gif")
    gif = await db.create_pending_approval("Erin", ch, "channel_gif", {"gif_url": "https://gifs.example/erin.gif"}, 500)
    await db.resolve_approval(gif, "admin", True)
    facts["approved_gif"] = {"erin": "https://gifs.example/erin.gif"}
    await db.set_vanity_item("Erin", ch, "sparkle_trail", "gold")
    await spend(db, "Erin", ch, 80, "bounty.create")
    await db.create_bounty("Erin", ch, "Old request", 80, past)
    await db.expire_bounties(ch)  # Erin's and Dave's both expire here...
    await spend(db, "Dave", ch, 25, "bounty.create")  # ...so Dave posts the unswept one again afterwards
    await db.create_bounty("Dave", ch, "Name that tune", 25, past)
    assert await db.atomic_debit("Erin", ch, 10, tx_type="wager_challenge", trigger_id="gambling.challenge")
    settled = await db.create_challenge("Erin", "Bob", ch, 10, now + timedelta(seconds=120))
    await db.refund("Erin", ch, 10, trigger_id="gambling.challenge.refund")
    await db.resolve_challenge(settled, "declined")

    # Frank: two pending GIFs (both paid); Gina: a rejected GIF (refunded) and a pending force-play
    await earn(db, "Frank", ch, 1500)
    await spend(db, "Frank", ch, 400, "spend.vanity.channel_gif")
    await db.create_pending_approval("Frank", ch, "channel_gif", {"gif_url": "https://gifs.example/frank-old.gif"}, 400)
    await spend(db, "Frank", ch, 450, "spend.vanity.channel_gif")
    await db.create_pending_approval("Frank", ch, "channel_gif", {"gif_url": "https://gifs.example/frank.gif"}, 450)
    facts["older_pending_gifs"] = {"frank": 400}  # the newest stays pending here; the older one is handed back
    await earn(db, "Gina", ch, 900)
    await spend(db, "Gina", ch, 300, "spend.vanity.channel_gif")
    rejected = await db.create_pending_approval("Gina", ch, "channel_gif",
                                                {"gif_url": "https://gifs.example/no.gif"}, 300)
    await db.resolve_approval(rejected, "admin", False)
    await db.refund("Gina", ch, 300, trigger_id="refund.gif_rejected")
    await spend(db, "Gina", ch, 70, "spend.forcenow")
    force = await db.create_pending_approval("Gina", ch, "force_play", {"media_id": "yt:abc", "title": "Song"}, 70)
    facts["force_play"] = {"gina": {"id": force, "cost": 70}}
    await streak(db, "Gina", ch, 0, 4, "2025-11-02")

    # names this project cannot take, and a negative balance
    await earn(db, "~weird", ch, 12)
    await earn(db, LONG_NAME, ch, 34)
    await db.get_or_create_account("Neg", ch)
    await db.set_balance("Neg", ch, -15)

    # history and stats that are not carried
    today = now.strftime("%Y-%m-%d")
    await db.increment_daily_minutes_present("Alice", ch, today, 30)
    await db.set_trigger_cooldown("Alice", ch, "chat.first_message", 1, now)
    await db.write_snapshot(ch, {"total_accounts": 10, "total_z_circulation": 5000})

    # the second served channel: Alice again (a different account there), Hank with a streak
    await earn(db, "Alice", OTHER, 77)
    await earn(db, "Hank", OTHER, 10)
    await streak(db, "Hank", OTHER, 3, 3, "2026-01-05")
    # a channel not served by the tests
    await earn(db, "Ivy", GHOST, 999)

    await db.update_last_active("alice", ch)  # alice is the most recently seen spelling
    await db.update_last_seen("alice", ch)
    users = {RICH: ["Alice", "alice", "Bob", "Carol", "Zed", "Dave", "Erin", "Frank", "Gina", "~weird",
                    LONG_NAME, "Neg"],
             OTHER: ["Alice", "Hank"], GHOST: ["Ivy"]}
    return users, facts


async def build_bulk(db: EconomyDatabase, n: int, seed: int,
                     channel: str) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """``n`` accounts: created one by one (the original has no batch create), paid with its batch credit."""
    rng = random.Random(seed)
    names = [f"user{i:05d}" for i in range(n)]
    for name in names:
        await db.get_or_create_account(name, channel)
    credits = [(name, channel, rng.randint(0, 5000)) for name in names]
    for start in range(0, n, 1000):
        await db.batch_credit_presence(credits[start:start + 1000])
    for i, name in enumerate(names):
        if i % 10 == 0:
            await streak(db, name, channel, i % 7, i % 7 + 3, "2026-01-04")
        if i % 25 == 0:
            await db.award_achievement(name, channel, "regular")
    return {channel: names}, {"total_z": sum(c[2] for c in credits)}


async def read_back_bulk(db: EconomyDatabase, users: dict[str, list[str]]) -> dict[str, Any]:
    """Every account in one call of the original's ``search_accounts`` (username, balance, earned, rank)."""
    out: dict[str, Any] = {}
    for channel, names in users.items():
        rows = await db.search_accounts(channel, limit=len(names) + 10)
        out[channel] = {"accounts": {r["username"]: r for r in rows},
                        "circulation": await db.get_total_circulation(channel),
                        "account_count": await db.get_account_count(channel)}
    return out


async def read_back(db: EconomyDatabase, users: dict[str, list[str]]) -> dict[str, Any]:
    """Everything through the original's own getters."""
    out: dict[str, Any] = {}
    for channel, names in users.items():
        per: dict[str, Any] = {}
        for name in names:
            per[name] = {
                "account": await db.get_account(name, channel),
                "streak": await db.get_or_create_streak(name, channel),
                "achievements": await db.get_user_achievements(name, channel),
                "vanity": await db.get_all_vanity_items(name, channel),
                "quiet": await db.get_quiet_mode(name, channel),
                "banned": await db.is_banned(name, channel),
                "pending_gif": await db.get_pending_approval(name, channel, "channel_gif"),
            }
        out[channel] = {
            "users": per,
            "open_bounties": await db.get_open_bounties(channel, limit=1000),
            "circulation": await db.get_total_circulation(channel),
            "account_count": await db.get_account_count(channel),
        }
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--scenario", choices=["rich"])
    ap.add_argument("--accounts", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--channel", default="BulkChan")
    ap.add_argument("--scratch-dir",
                    help="build here (e.g. a tmpfs: the original commits every call), then move to --db")
    args = ap.parse_args()
    work = os.path.join(args.scratch_dir, f"orig-{os.getpid()}.db") if args.scratch_dir else args.db
    db = EconomyDatabase(work)
    await db.initialize()
    started = time.perf_counter()
    if args.scenario == "rich":
        users, facts = await build_rich(db)
    elif args.accounts:
        users, facts = await build_bulk(db, args.accounts, args.seed, args.channel)
    else:
        ap.error("--scenario rich or --accounts N")
    built = time.perf_counter() - started
    channels = await read_back(db, users) if args.scenario == "rich" else await read_back_bulk(db, users)
    expected = {"scenario": args.scenario or "bulk", "build_seconds": round(built, 3), "facts": facts,
                "channels": channels}
    if work != args.db:  # every connection is closed: the WAL is checkpointed into the one file
        shutil.move(work, args.db)
    Path(args.expected).write_text(json.dumps(expected, indent=1, default=str), encoding="utf-8")  # noqa: ASYNC240
    print(json.dumps({"build_seconds": round(built, 3)}))


if __name__ == "__main__":
    asyncio.run(main())
