"""PM framework: parsing, splitting, rate limiting, the catalog, admin identity and the router."""

from __future__ import annotations

from pathlib import Path

from economy_shared.pm.catalog import entries, owned_by, word_index
from economy_shared.pm.identity import UserDirectory
from economy_shared.pm.ratelimit import RateLimiter, Verdict
from economy_shared.pm.text import parse_amount, parse_command, split_message
from economy_shared.subjects import SERVICE_NAMES
from economy_shared.testing import InMemoryBus, MockKrytenClient
from tests.helpers import make_config


def test_parse_unescapes_and_lowercases_the_word() -> None:
    cmd = parse_command("  TIP &amp;bob 5 ")
    assert cmd is not None and cmd.word == "tip" and cmd.args == ["&bob", "5"] and cmd.rest == "&bob 5"
    assert parse_command("   ") is None and parse_command("") is None
    assert parse_command("bal\x00ance") is not None


def test_split_respects_limit_and_lines() -> None:
    text = "\n".join(f"line {i} " + "x" * 50 for i in range(20))
    chunks = split_message(text, 240)
    assert all(len(c) <= 240 for c in chunks)
    assert "\n".join(chunks).replace("\n", "") == text.replace("\n", "")
    long_word = "y" * 600
    assert all(len(c) <= 240 for c in split_message(long_word, 240))
    assert "".join(split_message(long_word, 240)) == long_word


def test_parse_amount() -> None:
    assert parse_amount("1,000") == 1000 and parse_amount("5") == 5
    for bad in ("0", "-5", "abc", "1e3", "9" * 16, ""):
        assert parse_amount(bad) is None


def test_rate_limiter_warns_once_per_window() -> None:
    rl = RateLimiter(per_minute=3)
    verdicts = [rl.check("alice", t) for t in (0, 1, 2, 3, 4, 5)]
    assert verdicts[:3] == [Verdict.ALLOW] * 3
    assert verdicts[3] is Verdict.WARN and verdicts[4:] == [Verdict.DROP, Verdict.DROP]
    assert rl.check("bob", 5) is Verdict.ALLOW  # per user
    assert rl.check("alice", 61) is Verdict.ALLOW  # window slid


def test_every_word_has_one_owner_and_every_owner_is_a_service() -> None:
    index = word_index()  # raises on a word with two owners
    assert {e.owner for e in index.values()} <= set(SERVICE_NAMES)
    assert index["bal"].word == "balance"
    words = [w for s in SERVICE_NAMES for w in owned_by(s)]
    assert len(words) == len(set(words))
    assert all(e.summary for e in entries())


async def test_admin_from_userlist_rank_or_allow_list(tmp_path: Path) -> None:
    bus = InMemoryBus()
    client = MockKrytenClient(bus)
    cfg = make_config(tmp_path, admin={"owner_level": 3, "usernames": ["Boss"]})
    directory = UserDirectory(client, lambda: cfg)
    assert await directory.is_admin("testchan", "boss")
    assert not await directory.is_admin("testchan", "mod")
    bus.kv[("kryten_testchan_userlist", "users")] = [{"name": "Mod", "rank": 3}, {"name": "pleb", "rank": 1}]
    assert await directory.is_admin("testchan", "MOD")
    assert not await directory.is_admin("testchan", "pleb")
    directory.record("testchan", "pleb", 5)
    assert await directory.is_admin("testchan", "pleb")
