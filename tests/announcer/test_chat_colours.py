"""Bought chat colours in the channel CSS: the managed block (css_rules.py) and its sync (chat_colours.py).

The operator's CSS outside the markers is kept byte for byte; a second purchase replaces the block, never
duplicates it; CSS that cannot be read is never overwritten (lessons 19–20) and a later pass writes it;
hostile names never reach the CSS; the size cap refuses; an unchanged CSS is not written; ``apply_css:
false`` neither reads nor writes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shop_kit import Shop, running, shop_config

from economy_announcer.chat_colours import ChatColours, state_bucket
from economy_announcer.css_rules import BEGIN, END, MAX_CSS_LENGTH, build_block, css_length, merge, rule
from economy_shared.channels import ChannelDirectory
from economy_shared.clock import FakeClock
from economy_shared.config import EconomyConfig
from economy_shared.schemas.vanity import VanityState
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import CHANNEL, make_config

OPERATOR = "body { background: #000; }\n/* the operator's own */ .x{color:red}"
PINK = ".chat-msg-alice .username { color: #FF69B4 !important; }"


def put_css(bus: InMemoryBus, css: Any) -> None:
    """What kryten-robot does when CyTube sends channelCSSJS."""
    bus.kv[(state_bucket(CHANNEL), "css")] = css


def writes(bus: InMemoryBus) -> list[str]:
    return [c["args"]["css"] for c in bus.robot_commands("setChannelCSS")]


# ---- css_rules (pure) -------------------------------------------------------------------------------------
def test_block_is_sorted_rules_between_markers() -> None:
    block = build_block({"zed": "#000000", "Alice": "#FF69B4", "bob_2-x": "#abcdef"})
    assert block.splitlines() == [
        BEGIN,
        ".chat-msg-Alice .username { color: #FF69B4 !important; }",
        ".chat-msg-bob_2-x .username { color: #abcdef !important; }",
        ".chat-msg-zed .username { color: #000000 !important; }",
        END,
    ]


@pytest.mark.parametrize("name", ["", "a b", "x}body{display:none", "a.b", "<b>", "名前", "a" * 21, "a\nb",
                                  "x/*", "é"])
def test_hostile_names_are_skipped_never_injected(name: str) -> None:
    assert rule(name, "#FF69B4") is None
    block = build_block({name: "#FF69B4", "ok": "#FF69B4"})
    assert block.splitlines()[1:-1] == [".chat-msg-ok .username { color: #FF69B4 !important; }"]


@pytest.mark.parametrize("hex_code", ["red", "#FFF", "#GGGGGG", "#FF69B4; } body {", "FF69B4", "#FF69B4 "])
def test_bad_colours_are_skipped(hex_code: str) -> None:
    assert rule("alice", hex_code) is None
    assert build_block({"alice": hex_code}) == build_block({})


def test_merge_appends_after_the_operators_css_and_replaces_in_place() -> None:
    first = merge(OPERATOR, build_block({"alice": "#FF69B4"}))
    assert first == f"{OPERATOR}\n{build_block({'alice': '#FF69B4'})}\n"
    assert merge("", build_block({"alice": "#FF69B4"})) == build_block({"alice": "#FF69B4"}) + "\n"
    assert first is not None
    edited = "/* top */\n" + first + ".after { x: y }"  # the operator wrote around the block
    second = merge(edited, build_block({"alice": "#58D68D", "bob": "#FF69B4"}))
    assert second is not None and second.count(BEGIN) == 1 and second.count(END) == 1
    assert second.startswith(f"/* top */\n{OPERATOR}\n{BEGIN}\n") and second.endswith(f"{END}\n.after {{ x: y }}")
    assert "#58D68D" in second and ".chat-msg-bob" in second and "alice .username { color: #FF69B4" not in second


def test_merge_with_nobody_owning_a_colour() -> None:
    assert merge(OPERATOR, build_block({})) == OPERATOR  # nothing added to an untouched CSS
    with_block = merge(OPERATOR, build_block({"alice": "#FF69B4"}))
    assert with_block is not None
    assert merge(with_block, build_block({})) == f"{OPERATOR}\n{BEGIN}\n{END}\n"


@pytest.mark.parametrize("broken", [
    f"{OPERATOR}\n{BEGIN}\n.chat-msg-a .username {{}}\n.operator {{ kept: yes }}",  # the end marker is gone
    f"{END}\n{OPERATOR}",  # an end without a begin
    f"{END}\n{BEGIN}\n",  # the wrong way round
    f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n",  # two blocks
])
def test_broken_markers_refuse_rather_than_eat_the_operators_css(broken: str) -> None:
    assert merge(broken, build_block({"alice": "#FF69B4"})) is None


def test_size_cap_refuses_never_truncates() -> None:
    block = build_block({"alice": "#FF69B4"})
    room = MAX_CSS_LENGTH - len(block) - 1  # the operator's CSS (ending in a newline) that fills it exactly
    fits = "a" * (room - 1) + "\n"
    assert merge(fits, block) is not None and css_length(merge(fits, block) or "") == MAX_CSS_LENGTH
    assert merge("a" * room + "\n", block) is None
    assert css_length("😀") == 2 and len("😀") == 1  # CyTube counts UTF-16 code units
    emoji = "😀" + "a" * (room - 2) + "\n"  # one character short of ``room`` in Python, one over in UTF-16
    assert len(emoji) == room and merge(emoji, block) is None
    huge = "b" * (MAX_CSS_LENGTH + 10)  # already over the cap: an unchanged merge is still the same text
    assert merge(huge, build_block({})) == huge


_CSS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
_OWNERS = st.dictionaries(st.text(max_size=22), st.sampled_from(["#FF69B4", "#abcdef", "nope"]), max_size=6)


@given(_CSS, _CSS, _OWNERS, _OWNERS)
def test_merge_keeps_everything_outside_the_markers(before: str, after: str, first: dict[str, str],
                                                    second: dict[str, str]) -> None:
    once = merge(before, build_block({"seed": "#000000", **first}))
    if BEGIN in before or END in before:
        return  # covered by the broken-marker cases
    assert once is not None and once.startswith(before)
    around = once + after
    twice = merge(around, build_block(second))
    if BEGIN in after or END in after:
        assert twice is None
        return
    assert twice is not None and twice.startswith(before) and twice.endswith(after)
    assert twice.count(BEGIN) == 1 and twice.count(END) == 1
    assert merge(twice, build_block(second)) == twice  # stable: a second sync writes nothing


# ---- ChatColours against a dict-backed owner list -----------------------------------------------------------
class Owners:
    def __init__(self, colours: dict[str, str]) -> None:
        self.colours = colours

    def owners(self, channel: str, item: str | None, limit: int) -> list[VanityState]:
        return [VanityState(user=u, color_name=c) for u, c in self.colours.items()][:limit]


def colours_for(bus: InMemoryBus, cfg: EconomyConfig, owners: dict[str, str],
                **kw: Any) -> tuple[ChatColours, list[str], MockKrytenClient]:
    client = MockKrytenClient(bus, channel=CHANNEL)
    counted: list[str] = []
    cc = ChatColours(client=client, owners=Owners(owners), config=lambda: cfg, channels=ChannelDirectory([CHANNEL]),
                     count=counted.append, spawn=asyncio.get_running_loop().create_task, **kw)
    return cc, counted, client


async def test_hostile_owner_names_and_retired_colours_stay_out(tmp_path: Path, bus: InMemoryBus) -> None:
    cfg = make_config(tmp_path)
    cc, counted, _ = colours_for(bus, cfg, {"alice": "Hot Pink", "x}body{": "Mint", "Bob": "mint",
                                            "gone": "Ultraviolet"})
    put_css(bus, OPERATOR)
    assert await cc.sync(CHANNEL) == "written"
    css = writes(bus)[-1]
    assert css.startswith(OPERATOR) and PINK in css and ".chat-msg-Bob .username { color: #58D68D" in css
    assert "x}body{" not in css and "gone" not in css and counted == ["written"]


@pytest.mark.parametrize("how", ["no_key", "bucket_missing", "timeout", "not_text", "bad_utf8"])
async def test_unreadable_css_is_never_overwritten_and_a_later_pass_writes(tmp_path: Path, bus: InMemoryBus,
                                                                            how: str) -> None:
    cc, counted, client = colours_for(bus, make_config(tmp_path), {"alice": "Hot Pink"}, read_timeout=0.05)
    real = client.kv_get

    async def broken(bucket: str, key: str, default: Any = None, parse_json: bool = False) -> Any:
        if how == "bucket_missing":
            raise LookupError("BucketNotFoundError")  # what kryten-py raises for a missing bucket
        if how == "timeout":
            await asyncio.sleep(5)
        return await real(bucket, key, default, parse_json)

    if how == "not_text":
        put_css(bus, {"css": "json?"})
    elif how == "bad_utf8":
        put_css(bus, b"\xff\xfe body")
    client.kv_get = broken  # type: ignore[method-assign]
    assert await cc.sync(CHANNEL) == "unreadable"
    assert await cc.sync_dirty() == {"testchan": "unreadable"}
    assert writes(bus) == [] and cc.dirty() == ["testchan"] and counted == ["unreadable"] * 2
    client.kv_get = real  # type: ignore[method-assign]
    put_css(bus, OPERATOR.encode())  # the real client returns the raw bytes
    assert await cc.sync_dirty() == {"testchan": "written"}
    assert writes(bus) == [f"{OPERATOR}\n{build_block({'alice': '#FF69B4'})}\n"]


async def test_written_stays_dirty_until_seen_then_unchanged_writes_nothing(tmp_path: Path,
                                                                            bus: InMemoryBus) -> None:
    cc, counted, _ = colours_for(bus, make_config(tmp_path), {"alice": "Hot Pink"})
    put_css(bus, OPERATOR)
    assert await cc.sync(CHANNEL) == "written" and cc.dirty() == ["testchan"]
    assert await cc.sync_dirty() == {"testchan": "written"}  # the robot lost it: sent again
    put_css(bus, writes(bus)[-1])  # CyTube applied it, the robot stored it
    assert await cc.sync_dirty() == {"testchan": "unchanged"}
    assert cc.dirty() == [] and await cc.sync_dirty() == {}
    assert len(writes(bus)) == 2 and counted == ["written", "written", "unchanged"]


async def test_size_cap_and_broken_markers_refuse(tmp_path: Path, bus: InMemoryBus) -> None:
    cc, counted, _ = colours_for(bus, make_config(tmp_path), {"alice": "Hot Pink"})
    put_css(bus, "a" * (MAX_CSS_LENGTH - 20))
    assert await cc.sync(CHANNEL) == "refused"
    put_css(bus, f"{OPERATOR}\n{BEGIN}\n.chat-msg-a .username {{}}")
    assert await cc.sync(CHANNEL) == "refused"
    assert writes(bus) == [] and cc.dirty() == ["testchan"] and counted == ["refused", "refused"]


async def test_apply_css_off_neither_reads_nor_writes(tmp_path: Path, bus: InMemoryBus) -> None:
    cfg = make_config(tmp_path, vanity_shop={"chat_color": {"apply_css": False}})
    cc, counted, client = colours_for(bus, cfg, {"alice": "Hot Pink"})
    reads: list[str] = []

    async def spy(bucket: str, key: str, default: Any = None, parse_json: bool = False) -> Any:
        reads.append(bucket)
        return OPERATOR

    client.kv_get = spy  # type: ignore[method-assign]
    cc.changed(CHANNEL)
    cc.mark_all_dirty()
    assert await cc.sync(CHANNEL) == "off" and await cc.sync_dirty() == {}
    assert reads == [] and writes(bus) == [] and counted == []


# ---- through the shop: purchase → background sync -------------------------------------------------------
async def started(s: Shop) -> Shop:
    await s.announcer.chat_colour_pass.stop()  # the tests run passes by hand
    await s.stack.settle()
    return s


def css_metric(s: Shop, outcome: str) -> float:
    return s.metric("economy_chat_colour_css_writes_total", outcome=outcome)


async def test_buying_colours_rewrites_one_block_and_keeps_the_operators_css(tmp_path: Path, bus: InMemoryBus,
                                                                             clock: FakeClock) -> None:
    put_css(bus, OPERATOR)
    async with running(tmp_path, bus, clock) as s:
        await started(s)
        await s.fund("alice", 5000)
        await s.fund("Bob", 5000)
        reply = await s.say("alice", "buy color Hot Pink")
        assert reply.startswith("✅ Your chat colour is Hot Pink (#FF69B4).") and "shows in chat in a moment" in reply
        assert writes(bus) == [f"{OPERATOR}\n{BEGIN}\n{PINK}\n{END}\n"]
        put_css(bus, writes(bus)[-1] + ".after { x: y }")  # the robot's copy, then the operator adds a line
        assert "shows in chat" in await s.say("Bob", "buy colour mint")
        css = writes(bus)[-1]
        assert css == (f"{OPERATOR}\n{BEGIN}\n{PINK}\n.chat-msg-Bob .username {{ color: #58D68D !important; }}\n"
                       f"{END}\n.after {{ x: y }}")
        put_css(bus, css)
        await s.say("alice", "buy color turquoise")  # replaces her rule: still one block, one rule each
        css = writes(bus)[-1]
        assert css.count(BEGIN) == 1 and css.count(".chat-msg-alice") == 1 and "#48C9B0" in css
        assert css.startswith(OPERATOR) and css.endswith(".after { x: y }") and len(writes(bus)) == 3
        put_css(bus, css)
        assert await s.announcer.chat_colours.sync(CHANNEL) == "unchanged" and len(writes(bus)) == 3
        assert s.announcer.chat_colours.dirty() == []
        assert css_metric(s, "written") == 3 and (await s.audit())["ok"]


async def test_unreadable_css_does_not_fail_the_purchase(tmp_path: Path, bus: InMemoryBus,
                                                         clock: FakeClock) -> None:
    async with running(tmp_path, bus, clock) as s:  # the robot has stored no CSS (yet)
        await started(s)
        await s.fund("alice", 5000)
        before = css_metric(s, "unreadable")
        assert (await s.say("alice", "buy color Hot Pink")).startswith("✅ Your chat colour is Hot Pink")
        assert writes(bus) == [] and css_metric(s, "unreadable") == before + 1
        assert (await s.request("announcer.vanity_get", user="alice"))["data"]["color_hex"] == "#FF69B4"
        assert await s.balance("alice") == 5000 - 675
        assert (await s.announcer.health_details())["chat_colours_pending"] == ["testchan"]
        put_css(bus, "")  # the robot catches up: an empty CSS is readable, and is not "unreadable"
        assert await s.announcer.chat_colour_pass.run_due() == 1
        assert writes(bus) == [f"{BEGIN}\n{PINK}\n{END}\n"]


async def test_a_reload_that_retires_a_colour_rewrites_the_block(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    put_css(bus, OPERATOR)
    async with running(tmp_path, bus, clock) as s:
        await started(s)
        await s.fund("alice", 5000)
        await s.say("alice", "buy color Hot Pink")
        put_css(bus, writes(bus)[-1])
        old = s.announcer.config
        new = shop_config(tmp_path, vanity_shop={"chat_color": {"palette": [{"name": "Mint", "hex": "#58D68D"}]}})
        s.announcer._swap_config(old, new)  # what a reload does (runtime/reload.py)
        await s.stack.settle()
        assert writes(bus)[-1] == f"{OPERATOR}\n{BEGIN}\n{END}\n"  # no longer on offer: left out


async def test_apply_css_off_buys_the_colour_without_touching_css(tmp_path: Path, bus: InMemoryBus,
                                                                  clock: FakeClock) -> None:
    put_css(bus, OPERATOR)
    async with running(tmp_path, bus, clock, vanity_shop={"chat_color": {"apply_css": False}}) as s:
        await started(s)
        await s.fund("alice", 5000)
        reply = await s.say("alice", "buy color Hot Pink")
        assert reply.startswith("✅ Your chat colour is Hot Pink") and "in chat" not in reply
        assert writes(bus) == [] and s.announcer.chat_colours.dirty() == []
