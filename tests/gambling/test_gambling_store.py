"""Gambling storage: the schema upgrade keeps the keys of settlements in flight; new rounds get new keys."""

from __future__ import annotations

import ast
from pathlib import Path

import economy_gambling
from economy_gambling.duel_store import DuelStore
from economy_gambling.heist_store import HeistStore
from economy_gambling.store import MIGRATIONS
from economy_shared.db import Database


async def test_upgrade_keeps_the_key_of_a_settlement_in_flight(tmp_path: Path) -> None:
    """A challenge accepted (or a heist resolving) under version 1 may have committed under its old key:
    after the upgrade a retry must send that very key, so the ledger replays it instead of paying again."""
    path = tmp_path / "gambling.db"
    old = Database(path, MIGRATIONS[:1])
    await old.open()
    async with old.transaction() as conn:
        await conn.execute(
            "INSERT INTO challenges (token, channel, challenger_key, challenger, target_key, target, wager, status, "
            "created_ms, expires_ms, updated_ms, challenger_play, target_play, winner_key, rake, prize) "
            "VALUES ('c0ffee', 'testchan', 'alice', 'alice', 'bob', 'bob', 100, 'accepting', 0, 1, 0, 1, 2, "
            "'bob', 10, 190)"
        )
        await conn.execute(
            "INSERT INTO heists (token, channel, initiator_key, initiator, wager, multiplier, status, outcome, "
            "created_ms, deadline_ms, updated_ms) VALUES ('beef', 'testchan', 'carol', 'carol', 100, 1.5, "
            "'resolving', 'success', 0, 1, 0)"
        )
    await old.close()

    db = Database(path, MIGRATIONS)
    await db.open()
    try:
        assert await db.schema_version() == len(MIGRATIONS)
        duels, heists = DuelStore(db), HeistStore(db)
        duel = await duels.get(1)
        heist = await heists.get(1)
        assert duel is not None and heist is not None
        assert duel.settle_key == "challenge:c0ffee:settle"
        assert heist.resolve_key == "heist:beef:resolve"

        assert await duels.reopen(duel, now_ms=5)  # the target could not pay: the next accept is round 1
        assert not await duels.reopen(duel, now_ms=6)  # that round was closed already
        reopened = await duels.get(1)
        assert reopened is not None
        assert (reopened.status, reopened.target_play, reopened.settle_key) == ("pending", None,
                                                                               "challenge:c0ffee:settle:1")

        assert await heists.next_round(heist, ["carol"])
        assert not await heists.next_round(heist, ["carol"])  # a stale round moves nothing
        moved_on = await heists.get(1)
        assert moved_on is not None and moved_on.resolve_key == "heist:beef:resolve:1"
    finally:
        await db.close()


def test_no_module_but_the_wiring_imports_the_service() -> None:
    """api.py, commands.py and the games take their collaborators; only service.py wires them (no cycles)."""
    package = Path(economy_gambling.__file__).parent
    offenders = []
    for module in package.glob("*.py"):
        if module.name in ("service.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                own = node.level > 0 or (node.module or "").startswith("economy_gambling")
                target = (node.module or "").split(".")[-1]
                if own and (target == "service" or any(a.name == "service" for a in node.names)):
                    offenders.append(module.name)
            elif isinstance(node, ast.Import):
                offenders += [module.name for a in node.names if a.name == "economy_gambling.service"]
    assert offenders == []
