"""announcer.import_vanity (issue 14) in-process, with the real ledger on the in-memory bus: vanity items,
quiet mode and pending GIFs taken over from the original kryten-economy — checked like a purchase (bad
items skipped and named, the rest stored), once per user (same entry: already, another: conflict), dry
run, bad requests, two batches at once, no money moved, imported colours in the chat CSS, and an imported
pending GIF approved or rejected (refunded once) like one bought here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from shop_kit import ANNOUNCER, Shop, start_shop

from economy_announcer.chat_colours import state_bucket
from economy_announcer.css_rules import BEGIN
from economy_announcer.vanity_import_rules import hex6, import_color
from economy_shared.clock import FakeClock
from economy_shared.config.vanity import PaletteColor
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL, Stack, make_config

GIF = "https://media.example/dance.gif"


@pytest.fixture
async def shop(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> AsyncIterator[Shop]:
    bus.kv[(state_bucket(CHANNEL), "css")] = "body { color: #eee; }\n"
    config = make_config(tmp_path, admin={"usernames": ["Boss"]}, commands={"rate_limit_per_minute": 600})
    stack = Stack(bus, config, clock)
    try:
        s = await start_shop(stack)
        await s.announcer.chat_colour_pass.stop()  # passes by hand; an import's own sync runs in the background
        yield s
    finally:
        await stack.close()


def entry(user: str, **items: Any) -> dict[str, Any]:
    return {"user": user, **items}


async def send(s: Shop, users: list[dict[str, Any]], dry_run: bool = False,
               channel: str = CHANNEL) -> dict[str, Any]:
    reply = await s.stack.request(ANNOUNCER, {"command": "announcer.import_vanity", "channel": channel,
                                              "users": users, "dry_run": dry_run})
    await s.stack.settle()
    return reply


async def outcomes(s: Shop, users: list[dict[str, Any]], dry_run: bool = False) -> list[dict[str, Any]]:
    r = await send(s, users, dry_run)
    assert r["success"], r
    return list(r["data"]["outcomes"])


async def vanity(s: Shop, user: str) -> dict[str, Any]:
    r = await s.request("announcer.vanity_get", user=user)
    assert r["success"], r
    return dict(r["data"])


async def tables(s: Shop) -> dict[str, list[dict[str, Any]]]:
    out = await s.tables()
    for t in ("quiet_users", "imported_vanity"):
        out[t] = await s.rows(f"SELECT * FROM {t} ORDER BY user_key")  # noqa: S608 - fixed names
    return out


async def journal_rows(s: Shop) -> int:
    row = await s.ledger.database.fetchone("SELECT COUNT(*) FROM journal")
    return int(row[0]) if row else 0


FULL = entry("Alice", greeting="/kick everyone  hi\x07 all", title="The  Great", color="#ff69b4", gif_url=GIF,
             currency_name="Alice Bucks", quiet=True, pending_gif={"url": "https://media.example/next.gif",
                                                                   "cost": 5000})


async def test_everything_is_stored_sanitised_and_no_money_moves(shop: Shop) -> None:
    (o,) = await outcomes(shop, [FULL])
    assert (o["ref"], o["status"], o["skipped"]) == ("Alice", "imported", [])
    v = await vanity(shop, "alice")
    assert v["greeting"] == "kick everyone hi all"  # no leading "/": never a CyTube command (DECISIONS 20)
    assert v["title"] == "The Great"
    assert (v["color_name"], v["color_hex"]) == ("Hot Pink", "#FF69B4")  # the palette entry of that hex
    assert (v["gif_url"], v["gif_pending"]) == (GIF, "https://media.example/next.gif")
    assert v["currency_name"] == "Alice Bucks"
    assert (await shop.request("announcer.currency_name", user="ALICE"))["data"]["name"] == "Alice Bucks"
    assert await journal_rows(shop) == 0 and (await shop.audit())["ok"]


async def test_quiet_mode_is_honoured(shop: Shop) -> None:
    await outcomes(shop, [entry("Alice", quiet=True), entry("bob")])
    r = await shop.request("announcer.pm", user="alice", text="you won something", unsolicited=True)
    assert r["data"]["queued"] is False and r["data"]["reason"] == "quiet"
    r = await shop.request("announcer.pm", user="bob", text="you won something", unsolicited=True)
    assert r["data"]["queued"] is True
    assert "Quiet mode is on" in await shop.say("alice", "quiet status")
    stack = shop.stack  # and after a restart (read back from the file)
    await stack.close()
    again = await start_shop(Stack(stack.bus, stack.config, stack.clock))
    try:
        r = await again.request("announcer.pm", user="ALICE", text="again", unsolicited=True)
        assert r["data"]["reason"] == "quiet"
        assert (await vanity(again, "alice"))["user"] == "alice"
    finally:
        await again.stack.close()


async def test_bad_items_are_skipped_and_named_the_rest_stored(shop: Shop) -> None:
    (o,) = await outcomes(shop, [entry("bob", greeting="///  ", title="Chief", color="xyz", gif_url="ftp://x/y.gif",
                                       currency_name="!!!", pending_gif={"url": "javascript:alert(1)", "cost": 10})])
    assert o["status"] == "imported"
    assert o["skipped"] == [
        "greeting: nothing is left after cleaning",
        "gif_url: 'ftp://x/y.gif' is not an http(s) link with a host",
        "currency_name: '!!!': only letters, digits, spaces, - _ and '",
        "color: 'xyz' is not a colour here",
        "pending_gif: 'javascript:alert(1)' is not an http(s) link with a host (10 not refunded here)",
    ]
    v = await vanity(shop, "bob")
    assert v["title"] == "Chief"
    assert (v["greeting"], v["color_name"], v["gif_url"], v["currency_name"], v["gif_pending"]) == ("",) * 5


async def test_colours_map_to_the_palette_or_stay_custom_and_reach_the_css(shop: Shop) -> None:
    await outcomes(shop, [entry("alice", color="#abc"), entry("bob", color="mint"), entry("Carol", color="#FF7F7F")])
    assert [((v := await vanity(shop, u))["color_name"], v["color_hex"]) for u in ("alice", "bob", "carol")] == [
        ("#AABBCC", "#AABBCC"), ("Mint", "#58D68D"), ("Coral", "#FF7F7F")]
    css = [c["args"]["css"] for c in shop.bus.robot_commands("setChannelCSS")][-1]
    assert css.startswith("body { color: #eee; }\n" + BEGIN)
    for rule in (".chat-msg-alice .username { color: #AABBCC", ".chat-msg-bob .username { color: #58D68D",
                 ".chat-msg-Carol .username { color: #FF7F7F"):
        assert rule in css


def test_colour_rules() -> None:
    palette = [PaletteColor(name="Hot Pink", hex="#FF69B4")]
    assert import_color(palette, " hot  PINK ") == ("Hot Pink", "")
    assert import_color(palette, "#ff69b4") == ("Hot Pink", "")
    assert import_color(palette, "#f6b") == ("#FF66BB", "")
    assert import_color(palette, "#ff69b") == ("", "color: '#ff69b' is not a colour here")
    assert import_color(palette, "red") == ("", "color: 'red' is not a colour here")
    assert hex6("#12345G") is None and hex6("#aBc123") == "#ABC123"


async def test_replay_is_already_and_a_changed_entry_a_conflict(shop: Shop) -> None:
    await outcomes(shop, [FULL])
    before = await tables(shop)
    assert [o["status"] for o in await outcomes(shop, [FULL, {**FULL, "user": "ALICE"}])] == ["already", "already"]
    (o,) = await outcomes(shop, [{**FULL, "title": "Someone else"}])
    assert o["status"] == "conflict" and "different entry" in o["detail"] and "\n" not in o["detail"]
    assert await tables(shop) == before
    assert (await vanity(shop, "alice"))["title"] == "The Great"


async def test_dry_run_answers_and_writes_nothing(shop: Shop) -> None:
    before = await tables(shop)
    out = await outcomes(shop, [FULL, entry("bob", color="xyz")], dry_run=True)
    assert [(o["status"], o["skipped"]) for o in out] == [
        ("would_import", []), ("would_import", ["color: 'xyz' is not a colour here"])]
    assert await tables(shop) == before
    assert (await vanity(shop, "alice"))["greeting"] == ""
    assert not shop.announcer.store.is_quiet(CHANNEL, "alice")
    await outcomes(shop, [FULL])
    out = await outcomes(shop, [FULL, {**FULL, "title": "x"}], dry_run=True)
    assert [o["status"] for o in out] == ["already", "conflict"]
    out = await outcomes(shop, [{**FULL, "title": "x"}], dry_run=True)
    assert [o["status"] for o in out] == ["conflict"]


async def test_bad_requests_change_nothing(shop: Shop) -> None:
    before = await tables(shop)
    for bad in ([entry(f"u{i}") for i in range(501)], [], [{"greeting": "hi"}], [entry("a", color="x" * 201)],
                [entry("a", surprise=1)], [entry("a", pending_gif={"url": GIF, "cost": -1})]):
        r = await send(shop, bad)
        assert not r["success"] and r["error_code"] == "bad_request", r
        assert "\n" not in r["error"] and "Traceback" not in r["error"]
    assert (await send(shop, [entry("a")], channel="elsewhere"))["error_code"] == "bad_request"
    assert await tables(shop) == before


async def test_two_identical_batches_at_once_import_once(shop: Shop) -> None:
    batch = [entry(f"user{i}", title=f"T{i}", quiet=i % 2 == 0) for i in range(40)]
    first, second = await asyncio.gather(send(shop, batch), send(shop, batch))
    seen = sorted({o["status"] for o in first["data"]["outcomes"]}) + ["|"] + \
        sorted({o["status"] for o in second["data"]["outcomes"]})
    assert seen in (["imported", "|", "already"], ["already", "|", "imported"])
    t = await tables(shop)
    assert len(t["imported_vanity"]) == 40 and len(t["quiet_users"]) == 20 and len(t["vanity_items"]) == 40


async def test_an_item_bought_here_is_kept(shop: Shop) -> None:
    await shop.fund("alice", 10_000)
    assert "✅" in await shop.say("alice", "buy title Local Hero")
    (o,) = await outcomes(shop, [entry("alice", title="Old Title", greeting="hello")])
    assert o["skipped"] == ["title: already set here (kept)"]
    v = await vanity(shop, "alice")
    assert (v["title"], v["greeting"]) == ("Local Hero", "hello")


async def test_an_imported_pending_gif_is_approved_like_a_bought_one(shop: Shop) -> None:
    await outcomes(shop, [entry("alice", pending_gif={"url": GIF, "cost": 5000})])
    listing = await shop.request("announcer.gif_approvals")
    (a,) = listing["data"]["approvals"]
    assert (a["user"], a["url"], a["cost"], a["status"]) == ("alice", GIF, 5000, "pending")
    assert "alice" in await shop.say("Boss", "pending_gifs")
    assert (await shop.say("Boss", "approve_gif alice")).startswith(f"✅ Approved GIF #{a['id']} for alice")
    v = await vanity(shop, "alice")
    assert (v["gif_url"], v["gif_pending"]) == (GIF, "")
    assert await journal_rows(shop) == 0  # approving moves no money


async def test_an_imported_pending_gif_rejected_is_refunded_once(shop: Shop) -> None:
    await outcomes(shop, [entry("alice", pending_gif={"url": GIF, "cost": 5000})])
    (a,) = (await shop.request("announcer.gif_approvals"))["data"]["approvals"]
    assert await shop.say("Boss", "reject_gif alice") == f"❌ Rejected GIF #{a['id']} for alice; 5,000 Z refunded."
    assert await shop.balance("alice") == 5000
    assert await shop.announcer.gif_approvals.retry_refunds() == 0
    assert await shop.say("Boss", "reject_gif alice") == f"GIF #{a['id']} for alice was already rejected by Boss."
    assert [m for m in shop.bus.pms_to("alice") if "refunded" in m] == [
        "🖼️ Your GIF was rejected by Boss; 5,000 Z refunded."]
    assert await shop.balance("alice") == 5000
    rows = await shop.ledger.database.fetchall("SELECT kind, amount FROM journal WHERE trigger_id='vanity.gif.refund'")
    assert [(r["kind"], r["amount"]) for r in rows] == [("refund", 5000)]
    assert (await vanity(shop, "alice"))["gif_pending"] == "" and (await shop.audit())["ok"]


async def test_a_failure_half_way_leaves_nothing_behind(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    before = await tables(shop)

    async def broken(self: Any, users: Any, now_ms: int) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("economy_announcer.vanity_import_store.ImportTx.record", broken)
    r = await send(shop, [FULL, entry("bob", title="Chief", color="mint")])
    assert not r["success"] and r["error_code"] == "internal_error" and "disk full" not in r["error"]
    assert await tables(shop) == before  # the items written before the failure rolled back with it
    assert (await vanity(shop, "alice"))["title"] == "" and (await vanity(shop, "bob"))["color_name"] == ""
    assert not shop.announcer.store.is_quiet(CHANNEL, "alice")
    monkeypatch.undo()
    assert [o["status"] for o in await outcomes(shop, [FULL])] == ["imported"]  # simply run again
