"""``kryten-economy import-original`` end to end (issue 14): an original 0.16 database built by the original
package, the real CLI, the five services as real processes on a real nats-server.

Dry run first (nothing written), then an import with presence down (incomplete, exit 1), then again with
presence up (completes; nothing imported twice), then once more (everything ``already``, journal untouched).
Every balance, counter, rank, streak, achievement, ban, vanity item and open bounty is checked against
what the ORIGINAL's own getters read back (expected.json), and the ledger's audit holds throughout.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_shared.users import user_key
from tests.system.harness import FakeRobot, SystemStack
from tests.system.test_system_cli import cli

pytestmark = pytest.mark.system

RICH, OTHER = "RichChan", "OtherChan"  # served here; the original's third channel (GhostChan) is not
# the achievement ids the original awarded; night_owl is deliberately not configured here. Rewards > 0 and
# unreachable conditions: an imported achievement that got paid (or a new one awarded) would show in a balance.
ACHIEVEMENTS = [{"id": a, "description": a.replace("_", " "), "reward": 777, "hidden": False,
                 "condition": {"type": "lifetime_messages", "threshold": 1e12}}
                for a in ("first_words", "regular", "high_roller")]


async def ask(robot: FakeRobot, service: str, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
    reply = await robot.request(service, {**payload, "channel": channel})  # type: ignore[arg-type]
    assert reply["success"], reply
    return reply["data"]


def people(expected: dict[str, Any], channel: str) -> dict[str, list[dict[str, Any]]]:
    """The original's rows by case-folded name (Alice + alice are one person here), importable names only."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, info in expected["channels"][channel]["users"].items():
        if info["account"] is None or name.startswith("~") or len(name) > 64:
            continue
        out.setdefault(user_key(name), []).append(info)
    return out


def in_flight(facts: dict[str, Any], key: str) -> int:
    """Stakes the original had taken and still held (a pending challenge, a pending force-play, older
    pending GIFs): handed back into the opening balance (and off lifetime_spent) by the import."""
    return (facts["pending_challenge"].get(key, {}).get("wager", 0) + facts["force_play"].get(key, {}).get("cost", 0)
            + facts.get("older_pending_gifs", {}).get(key, 0))


def tier_index(tiers: list[dict[str, Any]], name: str | None, earned: int) -> int:
    by_earned = max(i for i, t in enumerate(tiers) if earned >= t["min_lifetime_earned"])
    named = next((i for i, t in enumerate(tiers) if name and t["name"].casefold() == name.casefold()), 0)
    return max(by_earned, named)


async def snapshot(robot: FakeRobot) -> dict[str, Any]:
    out = {}
    for chan in (RICH, OTHER):
        out[chan] = await ask(robot, "ledger", chan, {"command": "ledger.audit"})
    return out


async def check_against_original(stack: SystemStack, expected: dict[str, Any]) -> None:
    robot = stack.robot
    assert robot is not None
    facts = expected["facts"]
    tiers = stack.config.get("ranks", {}).get("tiers") or (await ranks_of(stack))
    configured = {a["id"] for a in ACHIEVEMENTS}
    for chan in (RICH, OTHER):
        total = 0
        for key, rows in people(expected, chan).items():
            accounts = [r["account"] for r in rows]
            extra = in_flight(facts, key) if chan == RICH else 0
            balance = sum(max(0, a["balance"]) for a in accounts) + extra
            total += balance
            view = await ask(robot, "ledger", chan, {"command": "ledger.balance", "user": key})
            assert view["found"] and view["balance"] == balance, (chan, key, view, balance)
            assert view["lifetime_earned"] == sum(a["lifetime_earned"] for a in accounts), (key, view)
            assert view["lifetime_spent"] == sum(a["lifetime_spent"] for a in accounts) - extra, (key, view)
            assert view["lifetime_gambled_in"] == sum(a["lifetime_gambled_in"] for a in accounts)
            assert view["lifetime_gambled_out"] == sum(a["lifetime_gambled_out"] for a in accounts)
            tips = facts["tips"].get(key, {"sent": 0, "received": 0}) if chan == RICH else {"sent": 0, "received": 0}
            assert (view["tips_sent"], view["tips_received"]) == (tips["sent"], tips["received"]), (key, view)
            # rank: what lifetime_earned reaches here, or the original's rank when that was higher
            top = max(accounts, key=lambda a: a["lifetime_earned"])
            rank = await ask(robot, "ledger", chan, {"command": "ledger.rank", "user": key})
            want = tier_index(tiers, top["rank_name"], view["lifetime_earned"])
            assert rank["tier_index"] == want, (key, rank, top["rank_name"])
            # achievements: every configured one the original awarded, none other, none paid
            got = await ask(robot, "ledger", chan, {"command": "ledger.achievements", "user": key})
            awarded = {a["achievement_id"] for r in rows for a in r["achievements"]} & configured
            assert {e["achievement_id"] for e in got["earned"]} == awarded, (key, got)
            # streak: the longest run and the last day (Alice/alice: the later last day)
            streaks = [r["streak"] for r in rows if r["streak"].get("last_streak_date")]
            status = await ask(robot, "presence", chan, {"command": "presence.user_status", "user": key})
            if streaks:
                latest = max(streaks, key=lambda s: s["last_streak_date"])
                assert status["last_streak_day"] == latest["last_streak_date"], (key, status)
                assert status["longest_streak_days"] == max(s["longest_daily_streak"] for s in streaks), (key, status)
            banned = await ask(robot, "ledger", chan, {"command": "ledger.banned", "users": [key]})
            assert (key in banned["banned"]) == any(r["banned"] for r in rows), (key, banned)
        audit = await ask(robot, "ledger", chan, {"command": "ledger.audit"})
        assert audit["ok"], audit
        assert audit["total_balance"] == total, (chan, audit, total)  # users' Z; the escrow is checked below
    # vanity (announcer): what the original's getters say each user owned
    vanity = {u: await ask(robot, "announcer", RICH, {"command": "announcer.vanity_get", "user": u})
              for u in ("alice", "bob", "erin", "frank")}
    assert vanity["alice"]["greeting"] == "Alice has entered the building"
    assert vanity["alice"]["color_hex"].casefold() == "#ff8800"
    assert vanity["bob"]["title"] == "The Builder" and vanity["bob"]["currency_name"] == "Bobcoins"
    assert vanity["erin"]["gif_url"] == facts["approved_gif"]["erin"]
    assert vanity["frank"]["gif_pending"] == "https://gifs.example/frank.gif"
    bounties = await ask(robot, "ledger", RICH, {"command": "ledger.bounties", "limit": 100})
    assert sorted(b["amount"] for b in bounties["bounties"]) == sorted(
        b["amount"] for b in expected["channels"][RICH]["open_bounties"])


async def ranks_of(stack: SystemStack) -> list[dict[str, Any]]:
    from economy_shared.config import load_config

    cfg = load_config(stack.config_path)
    return [{"name": t.name, "min_lifetime_earned": t.min_lifetime_earned} for t in cfg.ranks.tiers]


async def test_import_original_twice_on_real_services(rich_original: tuple[Path, dict[str, Any]],
                                                      tmp_path: Path) -> None:
    db, expected = rich_original
    before = db.read_bytes()
    stack = await SystemStack(
        tmp_path, ["ledger", "gambling", "media", "announcer"],
        channels=[{"domain": "cytu.be", "channel": RICH}, {"domain": "cytu.be", "channel": OTHER}],
        achievements=ACHIEVEMENTS).start()
    robot = stack.robot
    assert robot is not None
    try:
        # dry run: the owners are asked, nothing is written
        code, out = await cli(stack, "import-original", str(db), "--dry-run")
        assert "DRY RUN, nothing written" in out and "would import" in out, out
        assert "GhostChan" in out and "not served here" in out, out
        assert all(a["journal_rows"] == 0 and a["total_balance"] == 0 for a in (await snapshot(robot)).values())

        # presence is down: the ledger and announcer parts go in, the run says it is incomplete
        code, out = await cli(stack, "import-original", str(db))
        assert code == 1 and "STOPPED: presence unavailable" in out and "INCOMPLETE" in out, out
        first = await snapshot(robot)
        assert all(a["ok"] for a in first.values()), first

        # presence back: the rerun finishes, and imports nothing twice
        stack.start_service("presence")
        await stack.ready(["presence"])
        code, out = await cli(stack, "import-original", str(db))
        assert code == 0, out
        assert "already imported" in out and out.rstrip().splitlines()[-1].split(";")[1].startswith(" complete")
        assert await snapshot(robot) == first
        await check_against_original(stack, expected)

        # once more: every part already imported, nothing moves
        code, out = await cli(stack, "import-original", str(db), "--json")
        assert code == 0, out
        assert await snapshot(robot) == first
        await check_against_original(stack, expected)
        assert db.read_bytes() == before  # the original's file was only read

        # the original welcomed Alice: arriving here pays no second wallet; a newcomer gets theirs
        await robot.join("Alice", channel=RICH)
        await robot.join("Newbie", channel=RICH)
        await robot.wait_for_pm("Newbie", "Welcome!")
        for user, wallets in (("alice", 0), ("newbie", 1)):
            rows = await ask(robot, "ledger", RICH, {"command": "ledger.journal", "user": user,
                                                     "trigger_id": "onboarding.wallet"})
            assert len(rows["entries"]) == wallets, (user, rows)
        assert not [p for p in robot.pms_to("Alice") if "Welcome!" in p]
        assert (await ask(robot, "ledger", RICH, {"command": "ledger.audit"}))["ok"]
    finally:
        await stack.stop()


async def test_ledger_killed_mid_import_then_the_same_command_finishes_it(
        original_builder: Any, tmp_path: Path) -> None:
    """SIGKILL the ledger while the CLI sends one account per batch; the run ends incomplete (exit 1),
    the ledger restarts, the same command finishes: every account once, the circulation exact, audit ok."""
    channel, n = "BulkChan", 1_500
    db, expected = original_builder("--accounts", str(n), "--seed", "3", "--channel", channel)
    circulation = expected["channels"][channel]["circulation"]
    funded = sum(1 for a in expected["channels"][channel]["accounts"].values() if a["balance"] > 0)
    stack = await SystemStack(tmp_path, ["ledger", "presence", "announcer"],
                              channels=[{"domain": "cytu.be", "channel": channel}]).start()
    robot = stack.robot
    assert robot is not None
    try:
        run = asyncio.create_task(cli(stack, "import-original", str(db), "--batch", "1",
                                      "--timeout", "2"))
        while True:  # wait until some, not all, accounts are in
            audit = await ask(robot, "ledger", channel, {"command": "ledger.audit"})
            if audit["journal_rows"] >= 100:
                break
            assert not run.done(), run.result()
            await asyncio.sleep(0.05)
        stack.procs["ledger"].kill()
        code, out = await run
        assert code == 1 and "STOPPED: ledger unavailable" in out, out

        stack.start_service("ledger")
        await stack.ready(["ledger"])
        partial = await ask(robot, "ledger", channel, {"command": "ledger.audit"})
        assert partial["ok"] and 100 <= partial["journal_rows"] < funded, partial
        code, out = await cli(stack, "import-original", str(db))
        assert code == 0 and "already imported" in out, out
        audit = await ask(robot, "ledger", channel, {"command": "ledger.audit"})
        assert audit["ok"] and audit["total_balance"] == circulation, (audit, circulation)
        assert audit["journal_rows"] == funded  # one opening posting per funded account, none twice
    finally:
        await stack.stop()
