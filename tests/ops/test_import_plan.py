"""import-original's plan (issue 14): from a database built by the ORIGINAL package, and rule by rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from economy_ops.import_models import ChannelPlan, ImportPlan
from economy_ops.import_plan import plan_import
from economy_ops.original_db import read_original
from economy_ops.original_models import (
    OrigAccount,
    OrigAchievement,
    OrigApproval,
    OrigBan,
    OrigBounty,
    OrigChallenge,
    OriginalDump,
    OrigStreak,
    OrigVanityItem,
    TableCount,
    parse_day,
    parse_ts_ms,
)
from economy_shared.users import user_key

SERVED = ["RichChan", "otherchan"]  # GhostChan is in the original but not served
HANDED_BACK = {"dave": 40, "frank": 400, "gina": 70}  # pending challenge, older pending GIF, pending force-play
UNMAPPABLE = {"~weird": 12, "L" * 70: 34}
VANITY_FIELDS = {"custom_greeting": "greeting", "custom_title": "title", "chat_color": "color",
                 "personal_currency_name": "currency_name"}


@pytest.fixture(scope="module")
def rich(rich_original: tuple[Path, dict[str, Any]]) -> tuple[ImportPlan, dict[str, Any]]:
    db, expected = rich_original
    bounties = expected["channels"]["RichChan"]["open_bounties"]
    now_ms = max(parse_ts_ms(b["created_at"]) or 0 for b in bounties) + 60_000  # a minute after the build
    return plan_import(read_original(db), SERVED, None, now_ms, "test"), expected


def _channel(plan: ImportPlan, name: str) -> ChannelPlan:
    return next(c for c in plan.channels if c.channel == name)


def _by_key(expected: dict[str, Any], channel: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, entry in expected["channels"][channel]["users"].items():
        groups.setdefault(user_key(name), []).append(entry)
    return groups


def test_every_account_balance_counter_rank_ban_and_achievement(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    plan, expected = rich
    for served, original in (("RichChan", "RichChan"), ("otherchan", "OtherChan")):
        cp = _channel(plan, served)
        assert cp.original_channel == original
        accounts = {user_key(a.user): a for a in cp.accounts}
        groups = {k: v for k, v in _by_key(expected, original).items() if k not in {user_key(n) for n in UNMAPPABLE}}
        assert set(accounts) == set(groups)
        for key, entries in groups.items():
            rows = [e["account"] for e in entries]
            got = accounts[key]
            back = HANDED_BACK.get(key, 0) if original == "RichChan" else 0
            assert got.balance == sum(max(0, r["balance"]) for r in rows) + back, key
            assert got.lifetime_earned == sum(r["lifetime_earned"] for r in rows), key
            assert got.lifetime_spent == max(0, sum(r["lifetime_spent"] for r in rows) - back), key
            assert got.lifetime_gambled_in == sum(r["lifetime_gambled_in"] for r in rows), key
            assert got.lifetime_gambled_out == sum(r["lifetime_gambled_out"] for r in rows), key
            top = max(rows, key=lambda r: r["lifetime_earned"])
            assert got.rank_name == top["rank_name"], key
            assert got.banned == any(e["banned"] or e["account"]["economy_banned"] for e in entries), key
            assert got.first_seen_ms == min(parse_ts_ms(r["first_seen"]) for r in rows), key
            achievements: dict[str, int | None] = {}
            for a in (a for e in entries for a in e["achievements"]):
                ms = parse_ts_ms(a["awarded_at"])
                achievements[a["achievement_id"]] = min(achievements.get(a["achievement_id"]) or ms, ms)
            assert {a.id: a.awarded_ms for a in got.achievements} == achievements, key
            tips = expected["facts"]["tips"].get(key, {}) if original == "RichChan" else {}
            assert (got.tips_sent, got.tips_received) == (tips.get("sent", 0), tips.get("received", 0)), key


def test_the_named_cases_of_the_rich_channel(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    plan, _ = rich
    cp = _channel(plan, "RichChan")
    accounts = {user_key(a.user): a for a in cp.accounts}
    assert accounts["alice"].user == "alice"  # the most recently seen spelling of the two
    assert accounts["alice"].balance == 920 + 55
    assert {a.id for a in accounts["alice"].achievements} == {"first_words", "regular", "night_owl"}
    assert accounts["dave"].rank_name == "Director" and accounts["dave"].lifetime_earned == 300
    assert accounts["bob"].banned and accounts["bob"].ban_reason == "botting"
    assert accounts["zed"].balance == 0 and accounts["neg"].balance == 0
    notes = [(u.part, u.ref, u.why) for u in cp.unmapped]
    merge = [n for n in notes if n[0] == "merge"]
    assert len(merge) == 1 and "'Alice'" in merge[0][2] and "'alice'" in merge[0][2]
    assert any(p == "account" and r == "Neg" and "-15" in w for p, r, w in notes)
    for name, z in UNMAPPABLE.items():
        assert any(p == "account" and r == name and f"{z} Z not imported" in w for p, r, w in notes), name
    assert any(p == "in_flight" and r == "Dave" and "challenge #1" in w and "40 Z" in w for p, r, w in notes)
    assert any(p == "in_flight" and r == "Gina" and "force_play" in w and "70 Z" in w for p, r, w in notes)
    assert any(p == "vanity" and r == "Erin" and "sparkle_trail" in w for p, r, w in notes)
    assert any(p == "history" and "transactions are not copied" in w for p, _, w in notes)
    assert any(p == "stats" and "gambling stats" in w for p, _, w in notes)
    ghost = [u for u in plan.unmapped if u.part == "channel"]
    assert len(ghost) == 1 and ghost[0].ref == "GhostChan" and "999 Z" in ghost[0].why


def test_no_z_is_lost(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    """Opening balances + re-escrowed bounties == the original's circulation + what it held, less the unmappable."""
    plan, expected = rich
    ch = expected["channels"]["RichChan"]
    cp = _channel(plan, "RichChan")
    negative = -sum(min(0, e["account"]["balance"]) for e in ch["users"].values())
    held = sum(b["amount"] for b in ch["open_bounties"])
    assert cp.total_z == ch["circulation"] + negative + sum(HANDED_BACK.values()) - sum(UNMAPPABLE.values())
    assert cp.escrowed_z == held
    assert _channel(plan, "otherchan").total_z == expected["channels"]["OtherChan"]["circulation"]


def test_streaks_and_welcome(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    plan, expected = rich
    for served, original in (("RichChan", "RichChan"), ("otherchan", "OtherChan")):
        members = {user_key(m.user): m for m in _channel(plan, served).members}
        for key, entries in _by_key(expected, original).items():
            if key in {user_key(n) for n in UNMAPPABLE}:
                continue
            latest = max((e["streak"] for e in entries),
                         key=lambda s: (s["last_streak_date"] or "", s["current_daily_streak"]))
            welcome = any(e["account"]["welcome_wallet_claimed"] for e in entries)
            longest = max(e["streak"]["longest_daily_streak"] for e in entries)
            if not (latest["current_daily_streak"] or longest or latest["last_streak_date"] or welcome):
                assert key not in members
                continue
            m = members[key]
            assert (m.current_streak, m.longest_streak) == (latest["current_daily_streak"], longest), key
            assert m.last_streak_day == latest["last_streak_date"] and m.welcome_claimed == welcome, key
    assert {user_key(m.user) for m in _channel(plan, "RichChan").members} == {"alice", "dave", "gina"}


def test_vanity_quiet_and_gifs(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    plan, expected = rich
    vanity = {user_key(v.user): v for v in _channel(plan, "RichChan").vanity}
    for key, entries in _by_key(expected, "RichChan").items():
        if key in {user_key(n) for n in UNMAPPABLE}:
            continue
        items = entries[0]["vanity"]  # get_all_vanity_items matches the name case-insensitively
        gif = expected["facts"]["approved_gif"].get(key)
        pending = next((e["pending_gif"] for e in entries if e["pending_gif"]), None)
        quiet = any(e["quiet"] for e in entries)
        if not (set(items) & set(VANITY_FIELDS) or gif or pending or quiet):
            assert key not in vanity, key
            continue
        v = vanity[key]
        for item_type, field in VANITY_FIELDS.items():
            assert getattr(v, field) == items.get(item_type), (key, field)
        assert v.gif_url == gif and v.quiet == quiet, key
        if pending is None:
            assert v.pending_gif is None, key
        else:
            assert v.pending_gif is not None and v.pending_gif.cost == pending["cost"]
            assert v.pending_gif.url in pending["data"]
            assert v.pending_gif.created_ms == parse_ts_ms(pending["created_at"])
    assert set(vanity) == {"alice", "bob", "carol", "erin", "frank"}
    assert vanity["carol"].color is None  # the deactivated colour is not carried


def test_open_bounties(rich: tuple[ImportPlan, dict[str, Any]]) -> None:
    plan, expected = rich
    got = {b.original_id: b for b in _channel(plan, "RichChan").bounties}
    want = expected["channels"]["RichChan"]["open_bounties"]
    assert set(got) == {b["id"] for b in want}
    for b in want:
        g = got[b["id"]]
        assert (user_key(g.creator), g.description, g.amount) == (user_key(b["creator"]), b["description"], b["amount"])
        assert (g.created_ms, g.expires_ms) == (parse_ts_ms(b["created_at"]), parse_ts_ms(b["expires_at"]))
    notes = {(u.part, u.ref): u.why for u in _channel(plan, "RichChan").unmapped}
    assert "expired" in notes[("bounty", "#5")] and ("bounty", "#1") not in notes


def test_the_plan_is_the_same_twice(rich_original: tuple[Path, dict[str, Any]]) -> None:
    db, _ = rich_original
    first = plan_import(read_original(db), SERVED, None, 1, "test")
    assert plan_import(read_original(db), SERVED, None, 1, "test") == first


# ---- the rules, on dumps built here -----------------------------------------------------------------------
def acct(name: str, ch: str = "Chan", **kw: Any) -> OrigAccount:
    return OrigAccount(username=name, channel=ch, **kw)


def one(dump: OriginalDump, **kw: Any) -> ChannelPlan:
    plan = plan_import(dump, kw.pop("served", ["chan"]), kw.pop("only", None), kw.pop("now_ms", 10**12), "t")
    assert len(plan.channels) == 1
    return plan.channels[0]


def test_case_merge_sums_and_shows_the_most_recent_spelling() -> None:
    dump = OriginalDump(accounts=[
        acct("BOB", balance=10, lifetime_earned=100, rank_name="Grip", last_seen_ms=5, first_seen_ms=3),
        acct("bob", balance=-4, lifetime_earned=5, lifetime_spent=7, last_seen_ms=9, first_seen_ms=1, quiet_mode=True),
    ], bans=[OrigBan(username="Bob", channel="CHAN", reason="spam")])
    cp = one(dump)
    assert cp.channel == "chan" and cp.original_channel == "Chan"
    (a,) = cp.accounts
    assert (a.user, a.balance, a.lifetime_earned, a.lifetime_spent) == ("bob", 10, 105, 7)
    assert (a.rank_name, a.banned, a.ban_reason, a.first_seen_ms) == ("Grip", True, "spam", 1)
    parts = [u.part for u in cp.unmapped]
    assert parts.count("merge") == 1 and any("negative" in u.why for u in cp.unmapped)
    assert cp.vanity[0].quiet


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "~escrow"])
def test_names_that_cannot_be_users_here(name: str) -> None:
    cp = one(OriginalDump(accounts=[acct(name, balance=321), acct("ok", balance=1)],
                          streaks=[OrigStreak(username=name, channel="Chan", current=2, longest=2)]))
    assert [a.user for a in cp.accounts] == ["ok"] and cp.members == []
    (note,) = [u for u in cp.unmapped if u.part == "account"]
    assert "321 Z not imported" in note.why and "streak" in note.why


def test_channels_served_unserved_and_only() -> None:
    dump = OriginalDump(accounts=[acct("a", "MyChan", balance=5), acct("b", "Elsewhere", balance=7)],
                        not_carried=[TableCount(table="transactions", channel="MyChan", rows=48210)])
    plan = plan_import(dump, ["mychan"], None, 0, "t")
    assert [c.channel for c in plan.channels] == ["mychan"]
    assert any(u.part == "channel" and u.ref == "Elsewhere" and "7 Z" in u.why for u in plan.unmapped)
    assert any("48,210 transactions are not copied" in u.why for u in plan.channels[0].unmapped)
    only = plan_import(dump, ["mychan", "elsewhere"], "ELSEWHERE", 0, "t")
    assert [c.channel for c in only.channels] == ["elsewhere"]
    assert any(u.ref == "MyChan" and "skipped" in u.why for u in only.unmapped)
    with pytest.raises(ValueError, match="not in the original"):
        plan_import(dump, ["mychan"], "nowhere", 0, "t")
    with pytest.raises(ValueError, match="not one of the channels served"):
        plan_import(dump, ["mychan"], "Elsewhere", 0, "t")


def test_money_in_flight_is_handed_back() -> None:
    gif = '{"gif_url": "https://g/new.gif"}'
    dump = OriginalDump(
        accounts=[acct("ann", balance=100, lifetime_spent=500)],
        challenges=[OrigChallenge(id=3, challenger="Ann", target="bo", channel="Chan", wager=25)],
        approvals=[
            OrigApproval(id=1, username="ann", channel="Chan", type="channel_gif", data='{"gif_url": "https://g/old"}',
                         cost=40, created_ms=1),
            OrigApproval(id=2, username="ann", channel="Chan", type="channel_gif", data=gif, cost=50, created_ms=2),
            OrigApproval(id=4, username="ann", channel="Chan", type="force_play", data="{}", cost=60),
        ])
    cp = one(dump)
    (a,) = cp.accounts
    assert a.balance == 100 + 25 + 40 + 60 and a.lifetime_spent == 500 - 125
    assert [u.part for u in cp.unmapped].count("in_flight") == 3
    (v,) = cp.vanity
    assert v.pending_gif is not None and (v.pending_gif.url, v.pending_gif.cost) == ("https://g/new.gif", 50)


def test_vanity_sources_and_precedence() -> None:
    dump = OriginalDump(
        accounts=[acct("cy", custom_title="old title", chat_color="red", channel_gif_url="https://g/col",
                       channel_gif_approved=True),
                  acct("dee", channel_gif_url="https://g/unapproved")],
        vanity_items=[
            OrigVanityItem(username="CY", channel="Chan", item_type="custom_title", value="new title", purchased_ms=1),
            OrigVanityItem(username="cy", channel="Chan", item_type="channel_gif", value="https://g/item",
                           purchased_ms=5),
            OrigVanityItem(username="cy", channel="Chan", item_type="glitter", value="x"),
            OrigVanityItem(username="cy", channel="Chan", item_type="custom_greeting", value="hi", active=False),
        ],
        approvals=[OrigApproval(id=9, username="cy", channel="Chan", type="channel_gif", status="approved",
                                data='{"gif_url": "https://g/approved"}', resolved_ms=9)])
    cp = one(dump)
    (v,) = cp.vanity  # dee's unapproved GIF is nothing to carry
    assert (v.title, v.color, v.gif_url, v.greeting) == ("new title", "red", "https://g/approved", None)
    assert any(u.part == "vanity" and "glitter" in u.why for u in cp.unmapped)


def test_members_only_when_not_default() -> None:
    dump = OriginalDump(accounts=[acct("w", welcome_wallet_claimed=True), acct("n")],
                        streaks=[OrigStreak(username="n", channel="Chan"),
                                 OrigStreak(username="s", channel="Chan", current=4, longest=2,
                                            last_date="2026-01-02")])
    members = {m.user: m for m in one(dump).members}
    assert set(members) == {"w", "s"} and members["w"].welcome_claimed
    assert (members["s"].current_streak, members["s"].longest_streak) == (4, 4)  # longest is never below current


def test_bounty_rules() -> None:
    dump = OriginalDump(accounts=[acct("Cre")], bounties=[
        OrigBounty(id=1, creator="cre", channel="Chan", description="d" * 2100, amount=10, created_ms=5, expires_ms=50),
        OrigBounty(id=2, creator="~sys", channel="Chan", amount=30, created_ms=5),
        OrigBounty(id=3, creator="cre", channel="Chan", amount=0, created_ms=5),
    ])
    cp = one(dump, now_ms=100)
    (b,) = cp.bounties
    assert (b.original_id, b.creator, len(b.description), b.expires_ms) == (1, "Cre", 2000, 50)
    notes = {(u.ref, u.part): u.why for u in cp.unmapped}
    assert "30 Z not imported" in notes[("#2", "bounty")] and "nothing to escrow" in notes[("#3", "bounty")]


def test_achievements_merge_to_the_earliest_award() -> None:
    dump = OriginalDump(accounts=[acct("a")], achievements=[
        OrigAchievement(username="a", channel="Chan", achievement_id="x", awarded_ms=20),
        OrigAchievement(username="A", channel="Chan", achievement_id="x", awarded_ms=10),
        OrigAchievement(username="a", channel="Chan", achievement_id="y" * 81),
    ])
    cp = one(dump)
    assert [(x.id, x.awarded_ms) for x in cp.accounts[0].achievements] == [("x", 10)]
    assert any(u.part == "achievement" for u in cp.unmapped)


@pytest.mark.parametrize(("raw", "ms"), [
    ("2026-01-05 12:00:00", 1767614400000),
    ("2026-01-05T12:00:00+00:00", 1767614400000),
    ("2026-01-05T13:00:00.500000+01:00", 1767614400500),
    ("2026-01-05T12:00:00Z", 1767614400000),
    (1767614400, 1767614400000),
    (None, None), ("", None), ("yesterday", None),
])
def test_one_timestamp_parser(raw: object, ms: int | None) -> None:
    assert parse_ts_ms(raw) == ms


def test_streak_days() -> None:
    assert parse_day("2026-01-05") == "2026-01-05"
    assert parse_day("2026-01-05T23:30:00-02:00") == "2026-01-06"
    assert parse_day("soon") is None
