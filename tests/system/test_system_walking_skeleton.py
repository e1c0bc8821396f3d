"""Issue 2 end to end: ledger, presence and announcer as processes on a real nats-server."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

from economy_stack.services import available_services
from tests.system.harness import CHANNEL, SystemStack


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


async def test_join_earn_pm_balance_welcome_once_and_audit(tmp_path: Path) -> None:
    names = [n for n in ("ledger", "presence", "announcer") if n in available_services()]
    stack = await SystemStack(tmp_path, names, presence={"tick_interval_seconds": 1.0,
                                                         "join_debounce_minutes": 5}).start()
    robot = stack.robot
    assert robot is not None
    try:
        for user in ("alice", "bob", "carol", "OtherBot"):
            await robot.join(user)
        await robot.wait_for_pm("alice", "Welcome", timeout=10)
        # the wall-clock tick pays every present user
        async def earned() -> bool:
            return all([await robot.balance(u) >= 102 for u in ("alice", "bob", "carol")])

        deadline = asyncio.get_running_loop().time() + 15
        while not await earned():
            assert asyncio.get_running_loop().time() < deadline, stack.logs()
            await asyncio.sleep(0.2)

        # alice bounces: no second welcome wallet
        await robot.leave("alice")
        await robot.join("Alice")
        await robot.leave("alice")
        await asyncio.sleep(1.5)  # a tick passes after she left: her balance is now stable
        stable = await robot.balance("alice")
        await asyncio.sleep(1.2)
        assert await robot.balance("alice") == stable  # a leaver stops earning at once

        await robot.pm("alice", "balance")
        reply = await robot.wait_for_pm("alice", "Balance:", timeout=10)
        assert f"{stable:,}" in reply, reply

        wallets = await robot.request("ledger", {"command": "ledger.journal", "user": "alice",
                                                 "trigger_id": "onboarding.wallet"})
        assert len(wallets["data"]["entries"]) == 1
        assert sum("Welcome" in m for m in robot.pms_to("alice")) == 1

        # the ignored bot earned nothing and has no account
        other = await robot.request("ledger", {"command": "ledger.balance", "user": "OtherBot"})
        assert other["data"]["found"] is False

        # replaying a ledger request pays once
        post = {"command": "ledger.post", "idempotency_key": "test:replay:1",
                "postings": [{"user": "bob", "amount": 5, "kind": "admin", "reason": "replay test"}]}
        before = await robot.balance("bob")
        first = await robot.request("ledger", post)
        second = await robot.request("ledger", post)
        assert first["success"] and not first["data"]["replayed"]
        assert second["success"] and second["data"]["replayed"]
        after_post = await robot.balance("bob")
        assert after_post - before >= 5
        conflict = await robot.request("ledger", {**post, "postings": [{"user": "bob", "amount": 6, "kind": "admin"}]})
        assert conflict["error_code"] == "idempotency_conflict"

        # malformed requests get a clear failure and change nothing
        bad = await robot.request("ledger", {"command": "ledger.post", "idempotency_key": "x", "postings": []})
        assert bad["success"] is False and bad["error_code"] == "bad_request"

        # public API keeps kryten-py's economy_request() shape
        pub = await robot.client.economy_request(CHANNEL, "balance.get", {"username": "bob"})
        assert pub["success"] and pub["data"]["balance"] >= 100
        pong = await robot.client.nats_request("kryten.economy.command", {"command": "system.ping"}, timeout=5)
        assert pong["data"]["pong"] is True

        # every service serves /health and /metrics on its own port
        for name in names:
            status, body = _get(f"http://127.0.0.1:{stack.metrics_port(name)}/health")
            assert status == 200, (name, body)
            assert json.loads(body)["status"] == "healthy"
            status, body = _get(f"http://127.0.0.1:{stack.metrics_port(name)}/metrics")
            assert status == 200 and "economy_requests_total" in body

        audit = await robot.audit()
        assert audit["ok"], audit
    finally:
        await stack.stop()
