"""First import wins (economy_shared.import_marks) and the chunked ``IN (…)`` reader (economy_shared.db)."""

from __future__ import annotations

import pytest

from economy_shared.db import Database, select_in
from economy_shared.import_marks import Verdict, changed_since, conflict_detail, digest, fingerprint, verdict
from economy_shared.schemas.imports import ImportedBounty, ImportedMember

# ---- fingerprint and digest ----------------------------------------------------------------------


def test_fingerprint_is_the_entry_as_json_with_the_user_case_folded() -> None:
    body = fingerprint(ImportedMember(user="  Alice ", current_streak=3, last_streak_day="2026-01-02"))
    assert body == {"user": "alice", "current_streak": 3, "longest_streak": 0, "last_streak_day": "2026-01-02",
                    "welcome_claimed": False}


def test_fingerprint_folds_the_named_user_field() -> None:
    bounty = ImportedBounty(original_id=7, creator="BoB", description="Find It", amount=5, created_ms=1)
    body = fingerprint(bounty, user_field="creator")
    assert body["creator"] == "bob"
    assert body["description"] == "Find It"  # only the user's name is folded


def test_casing_of_the_name_alone_is_the_same_entry() -> None:
    a = digest(fingerprint(ImportedMember(user="Alice", current_streak=3)))
    b = digest(fingerprint(ImportedMember(user="ALICE", current_streak=3)))
    c = digest(fingerprint(ImportedMember(user="Alice", current_streak=4)))
    assert a == b != c


def test_digest_is_canonical_and_keeps_marks_stored_before() -> None:
    """Services stored these digests already: the algorithm must never change (sorted keys, no spaces)."""
    expected = "87652a4521a78c83dfa9a485cfe192bbde27bfc756223a96b202ffcd3aab8845"
    assert digest({"user": "alice", "balance": 120, "note": "é"}) == expected
    assert digest({"note": "é", "balance": 120, "user": "alice"}) == expected


# ---- verdict --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "dry_run", "status", "detail", "new"), [
    (None, False, "imported", "", True),
    (None, True, "would_import", "", True),
    ("d1", False, "already", "", False),
    ("d1", True, "already", "", False),
    ("d0", False, "conflict", "why", False),
    ("d0", True, "conflict", "why", False),
])
def test_verdict_first_import_wins(stored: str | None, dry_run: bool, status: str, detail: str, new: bool) -> None:
    v = verdict(stored, "d1", dry_run, "why")
    assert v == Verdict(status, detail)
    assert v.new is new


def test_changed_since_names_the_entry() -> None:
    assert changed_since("Alice") == ("Alice was imported from a different entry (the original changed since); "
                                      "nothing changed")


# ---- conflict_detail ------------------------------------------------------------------------------


def test_conflict_detail_names_what_differs() -> None:
    before = {"user": "alice", "balance": 120, "banned": False, "rank_name": None}
    now = {"user": "alice", "balance": 150, "banned": True, "rank_name": "Gold"}
    assert conflict_detail(before, now) == (
        "imported before with balance 120 (now 150), banned false (now true), rank_name none (now 'Gold'); "
        "nothing changed")


def test_conflict_detail_shows_three_differences_and_counts_the_rest() -> None:
    before = {f"f{i}": i for i in range(5)}
    now = {f"f{i}": i + 1 for i in range(5)}
    line = conflict_detail(before, now)
    assert line.startswith("imported before with f0 0 (now 1), f1 1 (now 2), f2 2 (now 3) and 2 more")
    assert line.endswith("; nothing changed")


def test_conflict_detail_shows_lists_by_their_ids_and_cuts_long_text() -> None:
    before = {"achievements": [{"id": f"a{i}"} for i in range(6)], "description": "x" * 50}
    now = {"achievements": [], "description": "y"}
    assert conflict_detail(before, now) == (
        f"imported before with achievements [a0, a1, a2, a3, a4, …] (now []), description {'x' * 40!r} "
        "(now 'y'); nothing changed")


def test_conflict_detail_without_a_visible_difference() -> None:
    assert conflict_detail({"a": 1, "gone": 2}, {"a": 1}) == "imported before from a different entry; nothing changed"


# ---- select_in ------------------------------------------------------------------------------------


async def test_select_in_reads_every_distinct_key_in_chunks() -> None:
    db = Database(":memory:", [["CREATE TABLE t (channel TEXT, k TEXT, v INTEGER)"]])
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.executemany("INSERT INTO t VALUES (?, ?, ?)",
                                   [("c", f"k{i}", i) for i in range(7)] + [("other", "k1", 99)])
        sql = "SELECT k, v FROM t WHERE channel=? AND k IN ({marks})"
        keys = ["k6", "k1", "k1", "k3", "k0", "k5", "missing"]
        rows = await select_in(db.conn, sql, ("c",), keys, chunk=2)
        assert sorted((r["k"], r["v"]) for r in rows) == [("k0", 0), ("k1", 1), ("k3", 3), ("k5", 5), ("k6", 6)]
        assert await select_in(db.conn, sql, ("c",), []) == []
        async with db.transaction() as conn:  # inside a transaction too
            assert len(await select_in(conn, sql, ("other",), keys)) == 1
    finally:
        await db.close()
