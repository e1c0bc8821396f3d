"""Fuzzed requests on media's subject and the public names forwarded to it: a clear reply, no money moved.

Hypothesis draws payloads near the real shapes (right command, wrong or missing fields, odd types,
huge and non-ASCII strings) and a few PM texts; every reply is a well-formed envelope that is never
an internal error, the funded user's balance stays where it was unless a request really queued, and
the ledger's audit holds at the end.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media_kit import running

from economy_shared.clock import FakeClock
from economy_shared.testing import InMemoryBus
from tests.helpers import CHANNEL

MEDIA = "kryten.economy.media.command"
PUBLIC = "kryten.economy.command"
USERS = st.sampled_from(["alice", "Alice", "bob", "ALICE ", "mallory"])
IDS = st.sampled_from(["short01", "ep30", "movie01", "broken1", "secret1", "nosuch1"])
ACTIONS = st.sampled_from(["queue", "playnext", "forcenow"])
REFS = st.text(alphabet="abc123-", min_size=1, max_size=6)
# A valid body per command; the fuzzer then drops, replaces or adds fields.
TEMPLATES: dict[str, dict[str, dict[str, st.SearchStrategy[Any]]]] = {
    MEDIA: {
        "media.search": {"query": st.text(min_size=1, max_size=30), "user": USERS},
        "media.queue_preview": {"user": USERS, "media_id": IDS, "action": ACTIONS},
        "media.queue": {"user": USERS, "media_id": IDS, "action": ACTIONS, "client_ref": REFS},
        "media.queue_refund": {"client_ref": REFS, "user": USERS},
        "media.approvals": {},
        "media.resolve_approval": {"approval_id": st.integers(1, 5), "approved": st.booleans(),
                                   "resolved_by": USERS},
    },
    PUBLIC: {
        "spending.queue_preview": {"username": USERS, "media_id": IDS, "action": ACTIONS},
        "spending.queue": {"username": USERS, "media_id": IDS, "action": ACTIONS, "request_id": REFS},
        "spending.queue_refund": {"request_id": REFS, "username": USERS},
        "approval.list": {"type": st.sampled_from(["force_play", "channel_gif"])},
        "approval.resolve": {"approval_id": st.integers(1, 5), "approved": st.booleans(), "resolved_by": USERS},
    },
}
FIELDS = ["channel", "user", "username", "media_id", "action", "client_ref", "request_id", "query", "approval_id",
          "approved", "resolved_by", "type", "service", "extra"]
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
    st.text(max_size=80), st.just("x" * 5000), st.sampled_from(["../../etc", "１０", "NaN", "", " "]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, Any]:
    subject = draw(st.sampled_from([MEDIA, PUBLIC]))
    if draw(st.integers(0, 19)) == 0:
        return subject, draw(st.one_of(st.none(), st.text(max_size=20), st.lists(st.integers(), max_size=3)))
    command = draw(st.sampled_from(sorted(TEMPLATES[subject])))
    body: dict[str, Any] = {"command": command, "channel": CHANNEL}
    body.update({k: draw(v) for k, v in TEMPLATES[subject][command].items()})
    for _ in range(draw(st.integers(0, 2))):  # 0 mutations: a valid request
        how = draw(st.sampled_from(["drop", "replace", "add", "command"]))
        if how == "drop" and body:
            body.pop(draw(st.sampled_from(sorted(body))))
        elif how == "command":
            body["command"] = draw(st.text(max_size=20))
        else:
            body[draw(st.sampled_from(FIELDS))] = draw(ODD)
    return subject, body


PM_TEXTS = st.one_of(
    st.builds(lambda w, rest: f"{w} {rest}", st.sampled_from(["search", "queue", "playnext", "forcenow",
                                                              "approve_play", "reject_play"]),
              st.text(max_size=120)),
)


def test_fuzzed_requests_and_pms_get_clear_answers_and_move_no_money(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    with asyncio.Runner() as runner:
        shop_cm = running(tmp_path, InMemoryBus(), clock, api={"allow_admin_commands": True})
        shop = runner.run(shop_cm.__aenter__())
        try:
            runner.run(shop.fund("alice", 10_000_000))
            @settings(max_examples=400, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(request=payloads())
            def one_request(request: tuple[str, Any]) -> None:
                subject, body = request
                reply = runner.run(shop.stack.request(subject, body))
                assert isinstance(reply.get("success"), bool), reply
                assert reply.get("error_code") != "internal_error", (body, reply)
                if not reply["success"]:
                    assert isinstance(reply.get("error"), str) and reply["error"], reply

            @settings(max_examples=150, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(text=PM_TEXTS)
            def one_pm(text: str) -> None:
                replies = runner.run(shop.pm("mallory", text))
                assert all("Traceback" not in r and "went wrong" not in r for r in replies), (text, replies)

            one_request()
            one_pm()
            runner.run(shop.stack.settle())
            # the only money that moved is the price of what really reached the playlist (or waits for approval)
            kept = runner.run(shop.media.database.fetchall(
                "SELECT COALESCE(SUM(cost), 0) AS z FROM requests WHERE user_key='alice' "
                "AND status IN ('completed', 'awaiting_approval')"))
            assert runner.run(shop.balance("alice")) == 10_000_000 - kept[0]["z"]
            assert runner.run(shop.balance("mallory")) == 0
            assert runner.run(shop.audit())["ok"]
        finally:
            runner.run(shop_cm.__aexit__(None, None, None))
