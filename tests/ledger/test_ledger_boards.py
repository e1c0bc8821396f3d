"""Leaderboards (``top``/``leaderboard``/``lb``) and ``profile`` in process: the PM words, the internal
``ledger.leaderboard``/``ledger.profile`` and the public ``leaderboard``/``profile.get``.

Today's board counts only earnings (DECISIONS 5), follows the UTC day of the injected clock, and
never shows system, banned or ignored accounts; a profile never creates an account and drops the
lines of a service that does not answer.
"""

from __future__ import annotations

import itertools
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from economy_ledger.board_rules import distribution
from economy_ledger.boards_store import BoardsStore
from economy_ledger.migrations import MIGRATIONS
from economy_ledger.rank_rules import rank_index
from economy_ledger.service import LedgerService
from economy_shared.config.progression import RankSettings
from economy_shared.db import Database
from economy_shared.envelope import ok
from economy_shared.subjects import PUBLIC_COMMAND, service_subject
from tests.helpers import CHANNEL, Stack
from tests.ledger.tip_kit import audit_ok, now_ms, pm_reply, start

LEDGER = service_subject("ledger")
_keys = itertools.count(1)


async def post(stack: Stack, *postings: tuple[str, int, str]) -> None:
    r = await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL,
                                     "idempotency_key": f"board:{next(_keys)}",
                                     "postings": [{"user": u, "amount": z, "kind": k} for u, z, k in postings]})
    assert r["success"], r


async def board(stack: Stack, category: str | None = None, limit: int | None = None,
                public: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"command": "leaderboard" if public else "ledger.leaderboard", "channel": CHANNEL}
    if category is not None:
        body["category"] = category
    if limit is not None:
        body["limit"] = limit
    return await stack.request(PUBLIC_COMMAND if public else LEDGER, body)


def names(reply: dict[str, Any]) -> list[tuple[str, int]]:
    assert reply["success"], reply
    return [(r["username"], r["amount"]) for r in reply["data"]["rows"]]


async def test_today_counts_only_earnings_and_shows_medals(stack: Stack) -> None:
    await start(stack)
    await post(stack, ("Alice", 500, "earn"), ("bob", 300, "earn"))
    await post(stack, ("Alice", 250, "earn"))
    await post(stack, ("Grant", 90_000, "admin"))  # an admin grant is not an earning
    await post(stack, ("Alice", -100, "transfer"), ("Tipped", 100, "transfer"))  # a tip is not either
    await post(stack, ("Gambler", 5_000, "payout"), ("Refunded", 700, "refund"))  # nor payouts and refunds
    await post(stack, ("Bob", -50, "wager"), ("~escrow", 50, "escrow"))
    await post(stack, ("~house", 10_000, "earn"))  # a system account never shows, even earning
    assert await pm_reply(stack, "alice", "top") == "🏆 Today's top earners\n🥇 Alice — 750 Z\n🥈 bob — 300 Z"
    assert await pm_reply(stack, "alice", "top today") == await pm_reply(stack, "alice", "lb earners")
    assert names(await board(stack)) == [("Alice", 750), ("bob", 300)]
    rich = await pm_reply(stack, "alice", "leaderboard rich")
    assert rich.splitlines()[:2] == ["💰 Richest", "🥇 Grant — 90,000 Z (Extra)"]
    assert "escrow" not in rich and "house" not in rich
    assert (await board(stack, "ranks"))["data"]["distribution"] == {"Extra": 6}  # not ~escrow, not ~house
    assert await audit_ok(stack)


async def test_banned_and_ignored_users_never_appear_and_ties_are_alphabetical(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, ("Zed", 400, "earn"), ("amy", 400, "earn"), ("Mallory", 9_000, "earn"),
               ("OtherBot", 8_000, "earn"), ("ZCoinBot", 7_000, "earn"), ("Bea", 400, "earn"))
    await ledger.store.set_banned(CHANNEL, "mallory", True, "test", now_ms(stack))
    for category in ("earners", "rich", "lifetime"):
        assert names(await board(stack, category)) == [("amy", 400), ("Bea", 400), ("Zed", 400)], category
    dist = await board(stack, "ranks")
    assert dist["data"]["distribution"] == {"Extra": 3}
    for word in ("top", "top rich", "top all", "top ranks"):
        reply = await pm_reply(stack, "amy", word)
        assert "Mallory" not in reply and "OtherBot" not in reply and "ZCoinBot" not in reply, reply


async def test_today_ends_at_utc_midnight(stack: Stack) -> None:
    ledger = await start(stack)
    stack.clock.set(datetime(2026, 1, 5, 23, 59, 59, tzinfo=UTC))
    await post(stack, ("Alice", 500, "earn"))
    assert names(await board(stack)) == [("Alice", 500)]
    stack.clock.set(datetime(2026, 1, 6, 0, 0, 0, tzinfo=UTC))
    assert await pm_reply(stack, "alice", "top") == "No earnings recorded today yet."
    await post(stack, ("Bob", 20, "earn"))
    assert names(await board(stack)) == [("Bob", 20)]
    assert names(await board(stack, "lifetime")) == [("Alice", 500), ("Bob", 20)]
    # old days are pruned once a later day is read (three days kept)
    stack.clock.set(datetime(2026, 1, 9, 0, 0, 1, tzinfo=UTC))
    await board(stack)
    days = await ledger.database.fetchall("SELECT DISTINCT day FROM daily_earnings ORDER BY day")
    assert [r["day"] for r in days] == []  # the 5th and 6th are older than the 7th
    await post(stack, ("Cy", 1, "earn"))
    days = await ledger.database.fetchall("SELECT DISTINCT day FROM daily_earnings ORDER BY day")
    assert [r["day"] for r in days] == ["2026-01-09"]


async def test_rich_and_lifetime_show_the_rank_from_lifetime_and_the_floor(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, ("Alice", 15_000, "earn"), ("Bob", 2_000, "earn"), ("Carol", 1_000_000, "admin"))
    await ledger.database.execute("UPDATE accounts SET rank_floor='Director' WHERE user_key='bob'")
    await post(stack, ("Floored", 50_000, "earn"), ("~escrow", 5, "admin"))  # Best Boy, then banned
    await ledger.database.execute("UPDATE accounts SET rank_floor='Producer' WHERE user_key IN ('floored', '~escrow')")
    await ledger.store.set_banned(CHANNEL, "floored", True, "test", now_ms(stack))
    reply = await pm_reply(stack, "carol", "top lifetime")  # carol earned nothing: no rank-up PM mixed in
    assert reply == ("📈 Highest lifetime earnings\n🥇 Alice — 15,000 Z (Gaffer)\n🥈 Bob — 2,000 Z (Director)\n"
                     "🥉 Carol — 0 Z (Extra)")
    rows = (await board(stack, "balance"))["data"]["rows"]
    assert rows[0] == {"position": 1, "username": "Carol", "amount": 1_000_000, "rank_name": "Extra"}
    assert await pm_reply(stack, "carol", "top ranks") == "⭐ Rank distribution\nExtra: 1\nGaffer: 1\nDirector: 1"
    sample = ledger.metrics.registry.get_sample_value
    assert sample("economy_rank_distribution", {"channel": CHANNEL, "rank": "Director"}) == 1
    assert sample("economy_rank_distribution", {"channel": CHANNEL, "rank": "Grip"}) == 0


async def test_only_ten_rows_and_the_limit_of_a_request(stack: Stack) -> None:
    await start(stack)
    await post(stack, *((f"user{i:02d}", 100 + i, "earn") for i in range(15)))
    reply = await pm_reply(stack, "user00", "top")
    lines = reply.splitlines()
    assert len(lines) == 11 and lines[1] == "🥇 user14 — 114 Z" and lines[4] == "4. user11 — 111 Z"
    assert lines[10] == "10. user05 — 105 Z"
    assert len(names(await board(stack, "earners", 100))) == 15
    assert len(names(await board(stack, "rich", 3))) == 3
    for bad in (0, 101):
        r = await board(stack, "rich", bad)
        assert not r["success"] and r["error_code"] == "bad_request"


async def test_unknown_category_is_usage_or_bad_request_and_empty_boards(stack: Stack) -> None:
    await start(stack)
    assert await pm_reply(stack, "alice", "top richest") == "Usage: top [earners|rich|lifetime|ranks]"
    assert await pm_reply(stack, "alice", "top rich") == "No accounts yet."
    assert await pm_reply(stack, "alice", "top ranks") == "No accounts yet."
    for public in (False, True):
        r = await board(stack, "richest", public=public)
        assert not r["success"] and r["error_code"] == "bad_request"
        assert "earners" in r["error"] and "ranks" in r["error"]
        assert r["data"]["valid"][:2] == ["earners", "today"]


async def test_public_leaderboard_shapes(stack: Stack) -> None:
    await start(stack)
    await post(stack, ("Alice", 1_500, "earn"))
    r = await board(stack, public=True)
    assert r["success"] and r["data"] == {"channel": CHANNEL, "category": "earners",
                                          "rows": [{"position": 1, "username": "Alice", "amount": 1_500}]}
    r = await board(stack, "ranks", public=True)
    assert r["data"] == {"channel": CHANNEL, "category": "ranks", "distribution": {"Grip": 1}}
    r = await board(stack, "all", public=True)
    assert r["data"]["category"] == "lifetime" and r["data"]["rows"][0]["rank_name"] == "Grip"


def presence_answers(stack: Stack, streak: int) -> None:
    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        return ok("presence", "presence.user_status", {"present": True, "streak_days": streak, "minutes_today": 0})

    stack.bus.add_responder(service_subject("presence"), handler)


def gambling_answers(stack: Stack, seen: list[dict[str, Any]]) -> None:
    async def handler(req: dict[str, Any]) -> dict[str, Any]:
        seen.append(req)
        return ok("gambling", "gambling.stats", {"user": req["user"], "spins": 10, "free_spins": 1, "flips": 2,
                                                 "challenges": 0, "heists": 0, "net": -340})

    stack.bus.add_responder(service_subject("gambling"), handler)


async def test_profile_of_self_and_others_with_streak_and_gambling(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, ("Alice", 15_000, "earn"), ("Bob", 2_500, "earn"))
    await post(stack, ("Bob", 1_000, "admin"))
    presence_answers(stack, 4)
    seen: list[dict[str, Any]] = []
    gambling_answers(stack, seen)
    own = await pm_reply(stack, "alice", "profile")
    assert own == "\n".join(["👤 Alice's profile", "━" * 30, "⭐ Rank: Gaffer", "💰 Balance: 15,000 Z (Z-Coins)",
                             "📈 Lifetime earned: 15,000 Z", "🔥 Streak: 4 days",
                             "🎰 Gambling: 13 games, net -340 Z"])
    other = await pm_reply(stack, "alice", "profile @BOB")
    assert other.startswith("👤 Bob's profile") and "💰 Balance: 3,500 Z" in other and "⭐ Rank: Grip" in other
    assert seen[-1]["command"] == "gambling.stats" and seen[-1]["user"] == "Bob"
    accounts = await ledger.store.account_count(CHANNEL)
    assert await pm_reply(stack, "alice", "profile @ghost") == "No wallet found for 'ghost'."
    assert await pm_reply(stack, "ghost", "profile") == "No wallet found for 'ghost'."
    assert await pm_reply(stack, "alice", "profile ~escrow") == "No wallet found for '~escrow'."
    assert await ledger.store.account_count(CHANNEL) == accounts  # asking never creates an account


async def test_profile_degrades_when_presence_and_gambling_are_down(stack: Stack) -> None:
    await start(stack)
    await post(stack, ("Alice", 10, "earn"))
    reply = await pm_reply(stack, "alice", "profile")
    assert "Streak" not in reply and "Gambling" not in reply and "📈 Lifetime earned: 10 Z" in reply


async def test_profile_requests_and_the_achievements_seam(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, ("Alice", 1_200, "earn"))

    class Counted:
        async def count(self, channel: str, user: str) -> int | None:
            return 3

    ledger.boards.achievements = Counted()
    r = await stack.request(LEDGER, {"command": "ledger.profile", "channel": CHANNEL, "user": "ALICE"})
    assert r["success"] and r["data"]["found"] and r["data"]["username"] == "Alice"
    assert r["data"]["rank_name"] == "Grip" and r["data"]["achievements"] == 3
    assert "🏅 Achievements: 3 earned" in r["data"]["text"]
    r = await stack.request(PUBLIC_COMMAND, {"command": "profile.get", "channel": CHANNEL, "username": "nobody"})
    assert r["success"] and r["data"]["found"] is False and r["data"]["text"] == "No wallet found for 'nobody'."
    r = await stack.request(PUBLIC_COMMAND, {"command": "profile.get", "channel": CHANNEL, "username": "alice"})
    assert r["data"]["balance"] == 1_200 and r["data"]["streak_days"] is None


async def test_the_board_queries_use_indexes_not_a_sort_of_the_whole_table(stack: Stack) -> None:
    ledger: LedgerService = await start(stack)
    await post(stack, ("Alice", 10, "earn"))
    db = ledger.database
    seen: list[tuple[str, tuple[Any, ...]]] = []
    real = db.fetchall

    async def recording(sql: str, params: Any = ()) -> Any:
        seen.append((sql, tuple(params)))
        return await real(sql, params)

    db.fetchall = recording  # type: ignore[method-assign]
    for category in ("earners", "rich", "lifetime"):
        assert names(await board(stack, category)) == [("Alice", 10)]
    db.fetchall = real  # type: ignore[method-assign]
    boards = [(sql, params) for sql, params in seen if "ORDER BY" in sql]
    assert len(boards) == 3
    for sql, params in boards:
        plan = " | ".join(r[3] for r in await db.fetchall("EXPLAIN QUERY PLAN " + sql, params))
        assert "TEMP B-TREE" not in plan and "USING" in plan, (sql, plan)
        assert "SCAN" not in plan or "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)


async def test_the_fast_distribution_matches_a_naive_count(tmp_path: Path) -> None:
    """Range counts minus the accounts set apart equal the per-account rule, on a seeded random population."""
    rng = random.Random(9)
    ranks = RankSettings()
    db = Database(tmp_path / "ledger.db", MIGRATIONS)
    await db.open()
    ignored = ["otherbot", "zcoinbot"]
    rows, expected = [], [0] * len(ranks.tiers)
    for i in range(2_000):
        key = "~escrow" if i == 0 else ignored[i % 2] if i < 3 else f"u{i}"
        lifetime = rng.choice([0, 999, 1_000, 4_999, 15_000, 99_999, 250_000, 5_000_000, rng.randrange(10**7)])
        floor = rng.choice([None] * 8 + ["Grip", "Director", "No Longer A Tier"])
        banned = rng.random() < 0.05
        rows.append((key, key, lifetime, floor, int(banned)))
        if not banned and not key.startswith("~") and key not in ignored:
            expected[rank_index(ranks, lifetime, floor)] += 1
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO accounts (channel, user_key, display_name, lifetime_earned, rank_floor, banned, created_ms, "
            "updated_ms) VALUES ('testchan', ?, ?, ?, ?, ?, 0, 0)", rows)
    groups = await BoardsStore(db).rank_groups(CHANNEL, [t.min_lifetime_earned for t in ranks.tiers], ignored)
    await db.close()
    assert distribution(ranks, groups) == {t.name: n for t, n in zip(ranks.tiers, expected, strict=True) if n}


async def test_the_health_check_refreshes_the_rank_distribution_gauge(stack: Stack) -> None:
    ledger = await start(stack)
    await post(stack, ("Alice", 1_000, "earn"), ("Bob", 5, "earn"))
    await ledger.health_details()
    sample = ledger.metrics.registry.get_sample_value
    assert [sample("economy_rank_distribution", {"channel": CHANNEL, "rank": r}) for r in ("Extra", "Grip", "Gaffer")
            ] == [1, 1, 0]


async def test_an_upgraded_database_keeps_todays_earnings_already_in_the_journal(tmp_path: Path) -> None:
    """The boards migration fills today's totals from the journal (real time: SQLite's 'now')."""
    mine = next(i for i, m in enumerate(MIGRATIONS) if any("daily_earnings (" in s for s in m))
    path = tmp_path / "ledger.db"
    old = Database(path, MIGRATIONS[:mine])
    await old.open()
    now = int(time.time() * 1000)
    async with old.transaction() as conn:
        await conn.executemany("INSERT INTO accounts (id, channel, user_key, display_name, created_ms, updated_ms) "
                               "VALUES (?, 'testchan', ?, ?, 0, 0)", [(1, "alice", "Alice"), (2, "bob", "Bob")])
        await conn.execute("INSERT INTO requests (id, channel, idem_key, body_hash, result, created_ms) "
                           "VALUES (1, 'testchan', 'k', '', '{}', 0)")
        await conn.executemany(
            "INSERT INTO journal (account_id, request_id, amount, kind, created_ms) VALUES (?, 1, ?, ?, ?)",
            [(1, 300, "earn", now), (1, 200, "earn", now), (1, 900, "earn", now - 2 * 86_400_000),
             (2, 50, "transfer", now), (2, 70, "payout", now)])
    await old.close()
    db = Database(path, MIGRATIONS)
    await db.open()
    rows = await db.fetchall("SELECT user_key, earned FROM daily_earnings")
    await db.close()
    assert [(r["user_key"], r["earned"]) for r in rows] == [("alice", 500)]
