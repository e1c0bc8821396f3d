"""Moving in from the original kryten-economy: ``ledger.import_accounts`` / ``ledger.import_bounties``
in process (imports.py, import_store.py, import_rules.py; issue 14).

An import pays each balance as ONE admin opening posting (audit clean, not an earning), adds the lifetime
counters as counters, keeps the original rank as a silent floor, bans, and marks achievements awarded
and told without paying them; the same entry again is ``already``, a changed one ``conflict``, a dry run
writes nothing, and every refusal changes nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from economy_ledger.bounty_rules import ESCROW
from economy_ledger.service import LedgerService
from economy_shared.config import EconomyConfig
from tests.helpers import CHANNEL, Stack, make_config
from tests.ledger.tip_kit import LEDGER, account, audit_ok, balances, fund, journal_rows, now_ms, pm_reply, start

HOUR_MS = 3_600_000
FIRST_SEEN = 1_600_000_000_000  # 2020-09-13, long before the stack clock


@pytest.fixture
def config(tmp_path: Path) -> EconomyConfig:
    return make_config(tmp_path, admin={"usernames": ["Boss"]})


def alice(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "user": "Alice", "balance": 1_200, "lifetime_earned": 6_000, "lifetime_spent": 300,
        "lifetime_gambled_in": 800, "lifetime_gambled_out": 700, "tips_sent": 40, "tips_received": 60,
        "rank_name": "gaffer", "first_seen_ms": FIRST_SEEN,
        "achievements": [{"id": "messages_100", "awarded_ms": FIRST_SEEN + 1}, {"id": "streak_7"}],
    }
    return {**entry, **changes}


def batch() -> list[dict[str, Any]]:
    return [
        alice(),
        {"user": "Bob", "balance": 50, "lifetime_earned": 100, "rank_name": "Studio Mogul", "banned": True,
         "ban_reason": "spam in the original"},
        {"user": "Carol", "balance": 0, "lifetime_earned": 2_000, "first_seen_ms": FIRST_SEEN},
    ]


async def import_accounts(stack: Stack, accounts: list[dict[str, Any]], dry_run: bool = False) -> dict[str, Any]:
    return await stack.request(LEDGER, {"command": "ledger.import_accounts", "channel": CHANNEL,
                                        "accounts": accounts, "dry_run": dry_run})


async def outcomes(stack: Stack, accounts: list[dict[str, Any]], dry_run: bool = False) -> list[dict[str, Any]]:
    r = await import_accounts(stack, accounts, dry_run)
    assert r["success"], r
    return list(r["data"]["outcomes"])


def statuses(outs: list[dict[str, Any]]) -> list[str]:
    return [o["status"] for o in outs]


async def scalar(ledger: LedgerService, sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = await ledger.database.fetchone(sql, params)
    assert row is not None
    return row[0]


async def counts(ledger: LedgerService) -> tuple[int, ...]:
    """Rows in every table an import writes: a dry run or a refused request must leave them as they were."""
    tables = ("accounts", "journal", "requests", "achievements_awarded", "bounties", "rank_notices",
              "daily_earnings", "flow_totals")
    return tuple([await scalar(ledger, f"SELECT COUNT(*) FROM {t}") for t in tables])


def metric(ledger: LedgerService, part: str, status: str) -> float | None:
    return ledger.metrics.registry.get_sample_value(
        "economy_imports_total", {"channel": CHANNEL, "part": part, "status": status})


# ---- accounts -----------------------------------------------------------------------------------
async def test_import_sets_balances_counters_rank_ban_and_achievements_silently(stack: Stack) -> None:
    ledger = await start(stack)
    outs = await outcomes(stack, batch())
    await stack.settle()
    assert [(o["ref"], o["status"], o["skipped"]) for o in outs] == [
        ("Alice", "imported", []), ("Bob", "imported", []), ("Carol", "imported", [])]
    a = await account(stack, "alice")
    assert (a["balance"], a["lifetime_earned"], a["lifetime_spent"], a["lifetime_gambled_in"],
            a["lifetime_gambled_out"], a["tips_sent"], a["tips_received"]) == (1_200, 6_000, 300, 800, 700, 40, 60)
    assert a["first_seen_ms"] == FIRST_SEEN and not a["banned"]
    # lifetime 6,000 reaches Key Grip; the original's Gaffer (matched case-insensitively) is kept as the floor
    rank = await stack.request(LEDGER, {"command": "ledger.rank", "channel": CHANNEL, "user": "alice"})
    assert rank["data"]["rank_name"] == "Gaffer"
    row = await ledger.database.fetchone(
        "SELECT rank_floor, rank_reached, banned, ban_reason FROM accounts WHERE user_key='bob'")
    assert row is not None and (row["rank_floor"], row["rank_reached"], row["banned"], row["ban_reason"]) == (
        "Studio Mogul", 9, 1, "spam in the original")
    assert await scalar(ledger, "SELECT rank_reached FROM accounts WHERE user_key='alice'") == 3
    assert await scalar(ledger, "SELECT rank_reached FROM accounts WHERE user_key='carol'") == 1
    # silent: no rank notice, no announcement, no PM, no CyTube promotion (Studio Mogul grants level 2)
    assert await scalar(ledger, "SELECT COUNT(*) FROM rank_notices") == 0
    assert stack.bus.robot_commands() == []
    # achievements: awarded and told, never paid
    awarded = await ledger.database.fetchall(
        "SELECT achievement_id, awarded_ms, told FROM achievements_awarded WHERE user_key='alice' ORDER BY 1")
    assert [(r[0], r[1], r[2]) for r in awarded] == [("messages_100", FIRST_SEEN + 1, 1),
                                                     ("streak_7", now_ms(stack), 1)]
    # ONE admin opening posting per account with a balance; Carol (0 Z) has none but her key is kept
    journal = await ledger.database.fetchall(
        "SELECT a.user_key, j.amount, j.kind, j.trigger_id, j.metadata FROM journal j "
        "JOIN accounts a ON a.id = j.account_id ORDER BY j.id")
    assert [(r[0], r[1], r[2], r[3]) for r in journal] == [("alice", 1_200, "admin", "import.opening_balance"),
                                                          ("bob", 50, "admin", "import.opening_balance")]
    assert '"source": "kryten-economy 0.16"' in journal[0]["metadata"]
    keys = await ledger.database.fetchall("SELECT idem_key FROM requests WHERE idem_key LIKE 'import:testchan:%'")
    assert {"import:testchan:alice", "import:testchan:bob", "import:testchan:carol"} <= {k[0] for k in keys}
    # an admin posting is not an earning: no daily board entry, no flow of earnings
    assert await scalar(ledger, "SELECT COUNT(*) FROM daily_earnings") == 0
    assert await scalar(ledger, "SELECT COUNT(*) FROM flow_totals") == 0
    assert await audit_ok(stack)
    assert metric(ledger, "account", "imported") == 3


async def test_an_earning_after_the_import_announces_only_tiers_above_the_imported_rank(stack: Stack) -> None:
    ledger = await start(stack)
    await outcomes(stack, [alice(rank_name=None)])  # lifetime 6,000: Key Grip, reached silently
    await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "earn:1",
                                 "postings": [{"user": "Alice", "amount": 100, "kind": "earn"}]})
    await ledger.rank_notifier.drain()
    await stack.settle()
    assert stack.bus.chats() == []  # still Key Grip: nothing to tell
    await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "earn:2",
                                 "postings": [{"user": "Alice", "amount": 9_000, "kind": "earn"}]})
    await ledger.rank_notifier.drain()
    await stack.settle()
    assert stack.bus.chats() == ["⭐ Alice is now a Gaffer!"]  # a real rank-up is told as usual


async def test_the_same_batch_again_is_already_and_changes_nothing(stack: Stack) -> None:
    ledger = await start(stack)
    await outcomes(stack, batch())
    before = await counts(ledger)
    again = await outcomes(stack, batch())
    assert statuses(again) == ["already"] * 3
    assert await counts(ledger) == before
    assert await balances(stack, "alice", "bob", "carol") == [1_200, 50, 0]
    assert (await account(stack, "alice"))["lifetime_earned"] == 6_000
    assert metric(ledger, "account", "already") == 3
    # display casing and achievement order are not a change
    same = alice(user="ALICE", achievements=list(reversed(alice()["achievements"])))
    assert statuses(await outcomes(stack, [same])) == ["already"]


async def test_a_changed_entry_is_a_conflict_and_changes_nothing(stack: Stack) -> None:
    ledger = await start(stack)
    await outcomes(stack, [alice(balance=120)])
    before = await counts(ledger)
    [out, dave] = await outcomes(stack, [alice(balance=150), {"user": "Dave", "balance": 10}])
    assert (out["status"], out["detail"]) == ("conflict", "imported before with balance 120 (now 150); nothing changed")
    assert dave["status"] == "imported"  # the rest of the batch goes in
    assert await balances(stack, "alice", "dave") == [120, 10]
    assert await scalar(ledger, "SELECT COUNT(*) FROM journal") == before[1] + 1
    [many] = await outcomes(stack, [alice(balance=150, banned=True, tips_sent=1, rank_name="Grip")])
    assert many["detail"] == ("imported before with balance 120 (now 150), tips_sent 40 (now 1), rank_name 'gaffer' "
                              "(now 'Grip') and 1 more; nothing changed")
    assert metric(ledger, "account", "conflict") == 2


async def test_a_dry_run_answers_and_writes_nothing(stack: Stack) -> None:
    ledger = await start(stack)
    before = await counts(ledger)
    outs = await outcomes(stack, [*batch(), alice(user="Eve", rank_name="Boom Operator",
                                                   achievements=[{"id": "first_heist"}])], dry_run=True)
    assert statuses(outs) == ["would_import"] * 4
    assert outs[3]["skipped"] == ["rank: 'Boom Operator' is not a tier here",
                                  "achievement first_heist: not configured here"]
    assert await counts(ledger) == before
    await outcomes(stack, [alice()])
    after_one = await counts(ledger)
    outs = await outcomes(stack, [alice(), alice(user="Bob"), alice(balance=1)], dry_run=True)
    assert statuses(outs) == ["already", "would_import", "refused"]  # the third repeats Alice
    assert await counts(ledger) == after_one
    assert metric(ledger, "account", "would_import") == 5


async def test_an_account_that_exists_here_is_added_to(stack: Stack) -> None:
    ledger = await start(stack)
    await fund(stack, Alice=500, Dave=1)
    await stack.request(LEDGER, {"command": "ledger.post", "channel": CHANNEL, "idempotency_key": "earn:here",
                                 "postings": [{"user": "Alice", "amount": 200, "kind": "earn"}]})
    await pm_reply(stack, "Boss", "ban dave cheating here")
    await stack.settle()
    sent_before = len(stack.bus.robot_commands())
    created_here = await scalar(ledger, "SELECT created_ms FROM accounts WHERE user_key='alice'")
    outs = await outcomes(stack, [alice(balance=1_000, lifetime_earned=900, rank_name=None, first_seen_ms=None),
                                  {"user": "Dave", "balance": 5, "banned": True, "ban_reason": "there"}])
    await stack.settle()
    assert statuses(outs) == ["imported", "imported"]
    a = await account(stack, "alice")
    assert (a["balance"], a["lifetime_earned"], a["lifetime_spent"]) == (1_700, 1_100, 300)
    assert a["first_seen_ms"] == created_here  # no earlier first_seen given: kept
    assert await scalar(ledger, "SELECT rank_reached FROM accounts WHERE user_key='alice'") == 1  # Grip, silently
    assert await scalar(ledger, "SELECT COUNT(*) FROM rank_notices") == 0
    assert len(stack.bus.robot_commands()) == sent_before
    row = await ledger.database.fetchone("SELECT banned, ban_reason, balance FROM accounts WHERE user_key='dave'")
    assert row is not None and (row[0], row[1], row[2]) == (1, "cheating here", 6)  # the ban here is kept
    assert await audit_ok(stack)


async def test_unknown_rank_and_achievement_are_reported_and_the_rest_imported(stack: Stack) -> None:
    ledger = await start(stack)
    [out] = await outcomes(stack, [alice(rank_name="Boom Operator",
                                         achievements=[{"id": "streak_30"}, {"id": "first_heist"}])])
    assert out["status"] == "imported"
    assert out["skipped"] == ["rank: 'Boom Operator' is not a tier here",
                              "achievement first_heist: not configured here"]
    assert await scalar(ledger, "SELECT rank_floor FROM accounts WHERE user_key='alice'") is None
    got = await ledger.database.fetchall("SELECT achievement_id FROM achievements_awarded")
    assert [r[0] for r in got] == ["streak_30"]
    assert await balances(stack, "alice") == [1_200]
    # a lower original rank than the lifetime reaches sets no floor
    [low] = await outcomes(stack, [{"user": "Fay", "balance": 1, "lifetime_earned": 20_000, "rank_name": "Grip"}])
    assert low["skipped"] == []
    assert await scalar(ledger, "SELECT rank_floor FROM accounts WHERE user_key='fay'") is None
    assert await scalar(ledger, "SELECT rank_reached FROM accounts WHERE user_key='fay'") == 3


@pytest.mark.parametrize("accounts", [
    [{"user": "Alice", "balance": -5}],
    [{"user": f"user{i}", "balance": 1} for i in range(501)],
    [{"user": "Alice", "balance": 1, "lifetime_earned": -1}],
    [{"user": "Alice", "balance": 1, "surprise": True}],
    [],
])
async def test_a_bad_request_is_bad_request_and_changes_nothing(stack: Stack, accounts: list[Any]) -> None:
    ledger = await start(stack)
    before = await counts(ledger)
    r = await import_accounts(stack, accounts)
    assert (r["success"], r["error_code"]) == (False, "bad_request")
    assert "\n" not in r["error"]
    assert await counts(ledger) == before


async def test_system_names_and_repeats_are_refused_and_the_rest_imported(stack: Stack) -> None:
    ledger = await start(stack)
    outs = await outcomes(stack, [{"user": ESCROW, "balance": 1_000}, alice(), alice(user="alice", balance=5)])
    assert statuses(outs) == ["refused", "imported", "refused"]
    assert outs[0]["detail"] == "~escrow:bounties is a reserved system account name here"
    assert "earlier in this batch" in outs[2]["detail"]
    assert not (await account(stack, ESCROW))["found"]  # no account was opened for the refused name
    assert await balances(stack, "alice") == [1_200]
    assert metric(ledger, "account", "refused") == 2


async def test_two_identical_batches_at_once_import_exactly_once(stack: Stack) -> None:
    ledger = await start(stack)
    first, second = await asyncio.gather(outcomes(stack, batch()), outcomes(stack, batch()))
    assert sorted([statuses(first), statuses(second)]) == [["already"] * 3, ["imported"] * 3]
    assert await journal_rows(ledger) == 2
    assert await balances(stack, "alice", "bob") == [1_200, 50]
    assert await audit_ok(stack)


# ---- bounties -----------------------------------------------------------------------------------
def bounty(original_id: int = 7, **changes: Any) -> dict[str, Any]:
    return {"original_id": original_id, "creator": "Alice", "description": "/find the  director's cut",
            "amount": 1_000, "created_ms": FIRST_SEEN, "expires_ms": None, **changes}


async def import_bounties(stack: Stack, bounties: list[dict[str, Any]], dry_run: bool = False) -> list[Any]:
    r = await stack.request(LEDGER, {"command": "ledger.import_bounties", "channel": CHANNEL, "bounties": bounties,
                                     "dry_run": dry_run})
    assert r["success"], r
    return list(r["data"]["outcomes"])


async def test_an_imported_bounty_is_escrowed_and_can_be_claimed(stack: Stack) -> None:
    ledger = await start(stack)
    await outcomes(stack, [alice(), {"user": "Bob", "balance": 0}])
    later = now_ms(stack) + 24 * HOUR_MS
    [out] = await import_bounties(stack, [bounty(expires_ms=later)])
    assert (out["ref"], out["status"]) == ("7", "imported")
    row = await ledger.database.fetchone("SELECT * FROM bounties")
    assert row is not None
    assert (row["status"], row["creator"], row["creator_key"], row["amount"], row["created_ms"], row["expires_ms"],
            row["create_key"]) == ("open", "Alice", "alice", 1_000, FIRST_SEEN, later, "import-bounty:testchan:7")
    assert row["description"] == "find the director's cut"  # sanitised as on create (DECISIONS 20)
    assert (await account(stack, ESCROW))["balance"] == 1_000
    assert await balances(stack, "alice") == [1_200]  # the original took the amount from Alice already
    [(kind, trigger)] = await ledger.database.fetchall(
        "SELECT kind, trigger_id FROM journal j JOIN accounts a ON a.id = j.account_id WHERE a.user_key = ?", (ESCROW,))
    assert (kind, trigger) == ("admin", "import.bounty")
    assert await audit_ok(stack)
    reply = await pm_reply(stack, "Boss", f"claim_bounty {row['id']} bob")
    assert "Bob" in reply
    assert await balances(stack, "bob") == [1_000]
    assert (await account(stack, ESCROW))["balance"] == 0
    assert await audit_ok(stack)
    assert metric(ledger, "bounty", "imported") == 1


async def test_an_imported_bounty_past_its_expiry_is_refunded_by_the_expiry_pass(stack: Stack) -> None:
    ledger = await start(stack)
    [out] = await import_bounties(stack, [bounty(expires_ms=None)])  # 168 h after 2020: long gone
    assert out["status"] == "imported"
    [expires] = [r[0] for r in await ledger.database.fetchall("SELECT expires_ms FROM bounties")]
    assert expires == FIRST_SEEN + 168 * HOUR_MS
    [done] = await ledger.bounty_expiry.run_due()
    assert (done.refund, done.amount) == (500, 1_000)  # expiry_refund_percent 50
    assert await balances(stack, "alice") == [500]
    assert (await account(stack, ESCROW))["balance"] == 0
    assert await audit_ok(stack)


async def test_bounty_imports_are_idempotent_conflicting_and_dry_runnable(stack: Stack) -> None:
    ledger = await start(stack)
    before = await counts(ledger)
    dry = await import_bounties(stack, [bounty(1), bounty(2, description="  ")], dry_run=True)
    assert statuses(dry) == ["would_import", "would_import"]
    assert dry[1]["skipped"] == ["description: empty once cleaned"]
    assert await counts(ledger) == before
    assert statuses(await import_bounties(stack, [bounty(1), bounty(2)])) == ["imported", "imported"]
    after = await counts(ledger)
    again = await import_bounties(stack, [bounty(1), bounty(2, amount=5), bounty(3, creator="~house"), bounty(4)])
    assert statuses(again) == ["already", "conflict", "refused", "imported"]
    assert again[1]["detail"] == "imported before with amount 1000 (now 5); nothing changed"
    assert await scalar(ledger, "SELECT COUNT(*) FROM bounties") == after[4] + 1
    assert (await account(stack, ESCROW))["balance"] == 3_000
    long = await import_bounties(stack, [bounty(5, description="x" * 500)])
    assert long[0]["skipped"] == ["description: shortened to 200 characters"]
    assert await audit_ok(stack)
