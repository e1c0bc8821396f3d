"""The vanity shop in process with the real ledger: ``shop``, ``buy`` (every item), ``fortune`` and the
announcer.* requests; refusals change nothing; money audits clean (sprint 5 §5, DECISIONS 17, 20)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from shop_kit import LEDGER, Shop, running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL


async def snapshot(s: Shop, *users: str) -> tuple[Any, ...]:
    return (await s.tables(), [await s.balance(u) for u in users])


async def test_shop_lists_prices_for_the_user_and_creates_no_account(tmp_path: Path, bus: InMemoryBus,
                                                                     clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, vanity_shop={"shoutout": {"enabled": False}}) as s:
        text = await s.say("newbie", "shop")
        assert "greeting: 450 Z (was 500) — buy greeting <text>" in text  # Extra: 10 % off
        assert "The bot greets you in chat when you arrive." in text
        assert "Colours: Sky Blue, Mint" in text and "Hot Pink" in text
        assert "fortune: 9 Z (was 10) — fortune" in text and "buy cytube2" in text
        assert "shoutout" not in text  # disabled items are not listed
        assert "Your items: none yet." in text
        assert not (await s.account("newbie"))["found"]  # read-only
        r = await s.request("announcer.shop", user="newbie")
        items = {i["item"]: i for i in r["data"]["items"]}
        assert items["title"]["price"] == 900 and items["title"]["base_price"] == 1000
        assert items["title"]["discount_percent"] == 10 and r["data"]["rank_name"] == "Extra"
        r = await s.request("announcer.shop")  # no user: list prices
        assert {i["item"]: i["price"] for i in r["data"]["items"]}["title"] == 1000 and r["data"]["owned"] is None


async def test_free_fortune_shown_for_the_rank(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("star", 1000, kind="earn")  # reaches "Star": free daily fortune
        assert "fortune: free for your rank — fortune" in await s.say("star", "shop")


async def test_buy_greeting_sanitises_charges_and_stores(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 2000)
        reply = await s.say("alice", "buy GREETING /kick \u202ebob\u200b   hello")
        assert reply == "✅ Your greeting is now: kick bob hello. Charged 450 Z · Balance 1,550 Z"
        assert s.announcer.vanity_store.item(CHANNEL, "ALICE", "greeting") == "kick bob hello"
        assert await s.kinds("alice") == [("admin", 2000, ""), ("spend", -450, "vanity.greeting")]
        again = await s.say("alice", "buy greeting hi there")
        assert "replaces your old greeting" in again and "Balance 1,100 Z" in again
        assert s.announcer.vanity_store.item(CHANNEL, "alice", "greeting") == "hi there"
        rows = await s.rows("SELECT item, state, price, ref FROM purchases ORDER BY id")
        assert [(r["item"], r["state"], r["price"]) for r in rows] == [("greeting", "applied", 450)] * 2
        assert rows[0]["ref"] != rows[1]["ref"]  # every PM is its own purchase
        assert (await s.audit())["ok"]


async def test_buy_title_colour_and_rename(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 10_000)
        assert (await s.say("alice", "buy title Queen of   B-Movies")).startswith("✅ Your title is now: Queen of "
                                                                               "B-Movies.")
        assert "Hot Pink (#FF69B4)" in await s.say("alice", "buy colour HOT pink")
        palette = await s.say("alice", "buy color ultraviolet")
        assert palette.startswith("🎨 Pick a colour") and "Turquoise" in palette
        renamed = await s.say("alice", "buy rename Moon Bucks")
        assert renamed == "✅ Your currency is now called 'Moon Bucks'. Charged 2,250 Z · Balance 6,175 Moon Bucks"
        state = (await s.request("announcer.vanity_get", user="Alice"))["data"]
        assert state["title"] == "Queen of B-Movies" and state["color_name"] == "Hot Pink"
        assert state["color_hex"] == "#FF69B4" and state["currency_name"] == "Moon Bucks"
        assert (await s.request("announcer.currency_name", user="alice"))["data"] == {
            "user": "alice", "name": "Moon Bucks", "personal": True}
        assert (await s.request("announcer.currency_name", user="bob"))["data"]["name"] == "Z-Coins"
        bad = await s.say("alice", "buy rename <script>")
        assert bad.startswith("✏️ That name won't do")
        assert await s.balance("alice") == 6175
        assert (await s.audit())["ok"]


async def test_gif_waits_for_approval_or_is_set_directly(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 10_000)
        reply = await s.say("alice", "buy gif https://media.example/dance.gif")
        assert reply.startswith("📨 Your GIF https://media.example/dance.gif waits for an admin (approval #1)")
        assert "Charged 4,500 Z" in reply and "refunded if it's rejected" in reply
        approvals = await s.rows("SELECT user_key, url, cost, status, purchase_id FROM gif_approvals")
        assert approvals == [{"user_key": "alice", "url": "https://media.example/dance.gif", "cost": 4500,
                              "status": "pending", "purchase_id": 1}]
        assert s.announcer.vanity_store.item(CHANNEL, "alice", "gif") is None
        state = (await s.request("announcer.vanity_get", user="alice"))["data"]
        assert state["gif_pending"] == "https://media.example/dance.gif" and state["gif_url"] == ""
        assert (await s.say("alice", "buy gif javascript:alert(1)")).startswith("🔗")
        assert await s.balance("alice") == 5500
    direct = {"channel_gif": {"requires_admin_approval": False}}
    async with running(tmp_path / "b", bus, clock, vanity_shop=direct) as s:
        await s.fund("bob", 10_000)
        assert (await s.say("bob", "buy gif https://x.example/a.gif")).startswith("✅ Your channel GIF is set")
        assert s.announcer.vanity_store.item(CHANNEL, "bob", "gif") == "https://x.example/a.gif"
        assert await s.rows("SELECT * FROM gif_approvals") == []


async def test_refusals_change_nothing(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, vanity_shop={"custom_title": {"enabled": False}}) as s:
        await s.fund("alice", 100)
        before = await snapshot(s, "alice")
        assert await s.say("alice", "buy hat nice") == "🤷 There's no shop item 'hat' — try 'shop'."
        assert await s.say("alice", "buy title boss") == "🚫 The title is not available in this shop."
        assert await s.say("alice", "buy greeting") == "Usage: buy greeting <text>"
        assert await s.say("alice", "buy greeting ///") == "Usage: buy greeting <text>"
        assert (await s.say("alice", "buy")).startswith("Usage: buy <item> [value] — items: greeting, color")
        assert await s.say("alice", "buy greeting hello") == "💸 That costs 450 Z; you have 100 Z. Nothing was charged."
        after = await snapshot(s, "alice")
        assert after[1] == before[1]
        assert {k: v for k, v in after[0].items() if k != "purchases"} == {
            k: v for k, v in before[0].items() if k != "purchases"}
        assert [r["state"] for r in after[0]["purchases"]] == ["failed"]  # the refusal is on record, no money
        assert await s.kinds("alice") == [("admin", 100, "")]
        assert not (await s.account("ghost"))["found"]
        assert "you have 0 Z" in await s.say("ghost", "buy greeting hello")  # no account: nothing created
        assert not (await s.account("ghost"))["found"]
        assert (await s.audit())["ok"]


async def test_banned_user_is_told_clearly(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("mallory", 1000)
        r = await s.stack.request(LEDGER, {"command": "ledger.admin_ban", "channel": CHANNEL, "username": "mallory"})
        assert r["success"], r
        await s.skip_pms("mallory")
        assert await s.say("mallory", "buy greeting hi") == "⛔ Your economy access is restricted."
        r = await s.request("announcer.buy", user="mallory", item="greeting", value="hi", request_id="m1")
        assert r["error_code"] == "banned"
        assert await s.balance("mallory") == 1000 and s.announcer.vanity_store.item(CHANNEL, "mallory", "greeting") \
            is None


async def test_fortune_once_a_day_then_again_tomorrow(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 100)
        first = await s.say("alice", "fortune")
        assert first.startswith("🔮 ") and first.endswith("(Charged 9 Z · Balance 91 Z)")
        text = first[2:first.index(" (Charged")]
        again = await s.say("alice", "buy fortune")
        assert again == f"🔮 You already had today's fortune: {text} Come back tomorrow (UTC)!"
        r = await s.request("announcer.fortune", user="alice")
        assert r["error_code"] == "conflict" and text in r["error"]
        assert await s.balance("alice") == 91
        clock.advance(24 * 3600)
        r = await s.request("announcer.fortune", user="alice")
        assert r["success"] and r["data"]["price"] == 9 and r["data"]["balance"] == 82
        trig = [k for k in await s.kinds("alice") if k[2] == "vanity.fortune"]
        assert trig == [("spend", -9, "vanity.fortune")] * 2
        refs = [r["ref"] for r in await s.rows("SELECT ref FROM purchases ORDER BY id")]
        assert refs == ["fortune:alice:2026-01-05", "fortune:alice:2026-01-06"]
        assert s.metric("economy_fortunes_total", free="false") == 2
        assert (await s.audit())["ok"]


async def test_fortune_after_a_refused_one_can_be_bought_later_that_day(tmp_path: Path, bus: InMemoryBus,
                                                                        clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        assert (await s.say("alice", "fortune")).startswith("💸 That costs 9 Z; you have 0 Z")
        await s.fund("alice", 20)
        assert (await s.say("alice", "fortune")).endswith("(Charged 9 Z · Balance 11 Z)")
        refs = [r["ref"] for r in await s.rows("SELECT ref FROM purchases ORDER BY id")]
        assert refs == ["fortune:alice:2026-01-05", "fortune:alice:2026-01-05:2"]
        assert (await s.say("alice", "fortune")).startswith("🔮 You already had")
        assert await s.balance("alice") == 11


async def test_free_fortune_for_the_rank_posts_no_money(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("star", 1000, kind="earn")
        first = (await s.say("star", "fortune")).splitlines()[0]  # then the ledger's rank-up notice
        assert first.endswith("(Free for your rank.)")
        assert (await s.say("star", "fortune")).startswith("🔮 You already had today's fortune")
        assert await s.balance("star") == 1000 and await s.kinds("star") == [("earn", 1000, "")]
        assert await s.rows("SELECT * FROM purchases") == []
        assert [r["price"] for r in await s.rows("SELECT price FROM fortunes")] == [0]
        assert s.metric("economy_fortunes_total", free="true") == 1
        assert (await s.request("announcer.vanity_get", user="star"))["data"]["fortune_today"] is True


async def test_shoutout_goes_out_through_the_template_with_a_cooldown(tmp_path: Path, bus: InMemoryBus,
                                                                      clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        assert await s.say("alice", "buy shoutout /kick   everyone\u202e hi") == \
            "📢 Shoutout posted! Charged 45 Z · Balance 955 Z"
        assert s.chats() == ["📢 alice: kick everyone hi"]
        assert await s.say("alice", "buy shoutout again") == "⏱️ Shoutout cooldown: 60 min left."
        clock.advance(59 * 60)
        assert await s.say("alice", "buy shoutout again") == "⏱️ Shoutout cooldown: 1 min left."
        clock.advance(59)
        assert await s.say("alice", "buy shoutout again") == "⏱️ Shoutout cooldown: 1 min left."
        clock.advance(1)
        assert (await s.say("alice", "buy shoutout again")).startswith("📢 Shoutout posted!")
        assert s.chats()[-1] == "📢 alice: again" and await s.balance("alice") == 910
        await s.fund("alice", 1000)
        await s.say("alice", "buy title Scream Queen")  # a shoutout is about its buyer: it shows her title
        clock.advance(3600)
        await s.say("alice", "buy shoutout titled")
        assert s.chats()[-1] == "📢 alice «Scream Queen»: titled"
        assert s.metric("economy_shoutouts_total") == 3
        assert s.metric("economy_vanity_z_spent_total", item="shoutout") == 135
        assert (await s.audit())["ok"]


async def test_shoutout_the_outbox_refuses_is_refunded_and_frees_the_cooldown(tmp_path: Path, bus: InMemoryBus,
                                                                             clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, announcements={"dedup_window_seconds": 600}) as s:
        await s.fund("alice", 1000)
        await s.fund("bob", 1000)
        assert (await s.say("alice", "buy shoutout movie night!")).startswith("📢")
        clock.advance(60)
        assert (await s.say("bob", "buy shoutout movie night!")).startswith("📢")  # another user: another line
        r = await s.request("announcer.say", text="📢 carol: same line", dedup=True)
        assert r["success"]
        await s.fund("carol", 1000)
        refused = await s.say("carol", "buy shoutout same line")
        assert refused == ("😵 Your shoutout didn't go through (the same line was posted a moment ago). "
                           "Your 45 Z was refunded.")
        assert await s.balance("carol") == 1000
        assert await s.kinds("carol") == [("admin", 1000, ""), ("spend", -45, "vanity.shoutout"),
                                          ("refund", 45, "vanity.shoutout.refund")]
        assert await s.rows("SELECT * FROM shoutout_cooldowns WHERE user_key='carol'") == []  # given back
        assert (await s.say("carol", "buy shoutout another line")).startswith("📢")
        assert (await s.audit())["ok"]


async def test_shoutouts_off_in_announcements_are_refunded(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, announcements={"enabled": False}) as s:
        await s.fund("alice", 100)
        assert "(shoutouts are switched off). Your 45 Z was refunded." in await s.say("alice", "buy shoutout hi")
        assert await s.balance("alice") == 100 and s.chats() == []


async def test_two_concurrent_shoutouts_charge_once(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        a, b = await asyncio.gather(
            s.request("announcer.buy", user="alice", item="shoutout", value="one", request_id="r1"),
            s.request("announcer.buy", user="alice", item="shoutout", value="two", request_id="r2"),
        )
        assert sorted([a["success"], b["success"]]) == [False, True]
        failed = a if not a["success"] else b
        assert failed["error_code"] == "cooldown"
        assert await s.balance("alice") == 955
        assert [k for k in await s.kinds("alice") if k[0] == "spend"] == [("spend", -45, "vanity.shoutout")]
        assert len(s.chats()) == 1


async def test_request_id_replays_the_first_answer(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        first = await s.request("announcer.buy", user="alice", item="title", value="Boss", request_id="abc")
        assert first["success"] and first["data"]["status"] == "stored" and first["data"]["price"] == 900
        second = await s.request("announcer.buy", user="Alice", item="title", value="Boss", request_id="abc")
        assert second["data"]["replayed"] is True and second["data"]["balance"] == 100
        assert await s.balance("alice") == 100
        other = await s.request("announcer.buy", user="bob", item="title", value="Boss", request_id="abc")
        assert other["error_code"] == "idempotency_conflict"
        poor = await s.request("announcer.buy", user="alice", item="title", value="X", request_id="p1")
        assert poor["error_code"] == "insufficient_funds"
        assert (await s.request("announcer.buy", user="alice", item="title", value="X", request_id="p1"))[
            "error_code"] == "insufficient_funds"  # a refusal replays as a refusal
        assert [k for k in await s.kinds("alice") if k[0] == "spend"] == [("spend", -900, "vanity.title")]
        assert (await s.audit())["ok"]


async def test_request_error_codes(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, vanity_shop={"custom_title": {"enabled": False}}) as s:
        await s.fund("alice", 100)

        async def code(**fields: Any) -> str:
            return (await s.request("announcer.buy", user="alice", **fields))["error_code"]

        assert await code(item="hat", value="x") == "not_found"
        assert await code(item="title", value="x") == "disabled"
        assert await code(item="greeting", value="") == "bad_request"
        assert await code(item="color", value="plaid") == "bad_request"
        assert await code(item="gif", value="ftp://x/y.gif") == "bad_request"
        assert await code(item="greeting", value="x" * 10_001) == "bad_request"  # the schema's cap
        assert (await s.request("announcer.buy", channel="elsewhere", user="alice", item="greeting", value="x"))[
            "error_code"] == "bad_request"
        assert await s.balance("alice") == 100 and await s.rows("SELECT * FROM purchases") == []


async def test_hostile_greeting_over_the_api_is_stored_clean(tmp_path: Path, bus: InMemoryBus,
                                                            clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        await s.fund("alice", 1000)
        value = "\u200b\u202e/ban all " + "z" * 9000
        r = await s.request("announcer.buy", user="alice", item="greeting", value=value, request_id="h1")
        stored = s.announcer.vanity_store.item(CHANNEL, "alice", "greeting")
        assert r["data"]["value"] == stored
        assert stored is not None and stored.startswith("ban all zzz") and len(stored) == 200
        assert (await s.rows("SELECT value FROM vanity_items"))[0]["value"] == stored


async def test_vanity_list_and_metrics(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        for user in ("amy", "bob"):
            await s.fund(user, 5000)
            await s.say(user, f"buy greeting hi from {user}")
        await s.say("bob", "buy title Director")
        everyone = (await s.request("announcer.vanity_list"))["data"]["users"]
        assert [u["user"] for u in everyone] == ["amy", "bob"]
        titled = (await s.request("announcer.vanity_list", item="title", limit=5))["data"]["users"]
        assert [(u["user"], u["title"]) for u in titled] == [("bob", "Director")]
        assert s.metric("economy_vanity_purchases_total", item="greeting", outcome="applied") == 2
        assert s.metric("economy_vanity_z_spent_total", item="title") == 900


async def test_cytube2_goes_to_the_ledger_promotion(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock, cytube_promotion={"min_rank": "Star", "cost": 1000}) as s:
        await s.fund("alice", 5000)
        assert (await s.say("alice", "buy cytube2")).startswith("🚫 CyTube level 2 is for Star and up")
        await s.fund("alice", 1000, kind="earn")
        reply = (await s.say("alice", "buy cytube2")).splitlines()[0]  # then the ledger's own notices
        assert reply == "🎬 You're now CyTube level 2! Charged 900 Z · Balance 5,100 Z"
        assert await s.rows("SELECT * FROM purchases") == []  # the ledger owns that money flow
        r = await s.request("announcer.buy", user="bob", item="cytube2", request_id="c1")
        assert r["error_code"] == "forbidden"
    async with running(tmp_path / "off", bus, clock, cytube_promotion={"purchasable": False}) as s:
        assert await s.say("zed", "buy cytube2") == "🚫 The CyTube level 2 is not available in this shop."


async def test_cytube2_when_the_ledger_is_silent(tmp_path: Path, bus: InMemoryBus, clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:
        real = s.announcer.client.nats_request
        timeouts: list[float] = []

        async def silent(subject: str, request: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
            if request.get("command") == "ledger.buy_promotion":
                timeouts.append(timeout)
                raise TimeoutError
            return await real(subject, request, timeout=timeout)

        s.announcer.client.nats_request = silent  # type: ignore[method-assign]
        assert (await s.say("alice", "buy cytube2")).startswith("🏦 The bank didn't answer in time.")
        r = await s.request("announcer.buy", user="alice", item="cytube2", request_id="c9")
        assert r["error_code"] == "unavailable" and timeouts and min(timeouts) >= 15
