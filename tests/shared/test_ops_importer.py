"""The importer's sending loop and its report, against a scripted owner (no NATS, no original file)."""

from __future__ import annotations

from typing import Any

import pytest

from economy_ops.import_models import ChannelPlan, ImportPlan, Unmapped
from economy_ops.import_report import format_import
from economy_ops.importer import Importer
from economy_shared.envelope import Reply
from economy_shared.schemas.base import Request
from economy_shared.schemas.imports import ImportedAccount, ImportedBounty, ImportedMember, ImportedVanity


def _plan(accounts: int = 5) -> ImportPlan:
    chan = ChannelPlan(
        channel="movies", original_channel="Movies",
        accounts=[ImportedAccount(user=f"u{i}", balance=10 * i) for i in range(accounts)],
        bounties=[ImportedBounty(original_id=7, creator="u1", description="find it", amount=30, created_ms=1)],
        members=[ImportedMember(user="u1", current_streak=3, longest_streak=4, last_streak_day="2026-12-01")],
        vanity=[ImportedVanity(user="u2", title="Boss", quiet=True)],
        unmapped=[Unmapped(part="history", ref="", why="12 transactions are not copied")],
    )
    return ImportPlan(source="kryten-economy 0.16 (economy.db)", channels=[chan],
                      unmapped=[Unmapped(part="channel", ref="other", why="not in this config's channels")])


class Owner:
    """Answers import batches like the services do; ``silent`` services never answer."""

    def __init__(self, silent: set[str] | None = None, flaky: int = 0, status: str = "imported") -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.silent = silent or set()
        self.flaky = flaky
        self.status = status

    async def __call__(self, service: str, request: Request, timeout: float) -> Reply:
        body = request.model_dump(mode="json")
        self.sent.append((service, body))
        if service in self.silent or self.flaky > 0:
            self.flaky -= 1
            return Reply(success=False, error="did not answer", error_code="unavailable")
        entries = body.get("accounts") or body.get("bounties") or body.get("members") or body.get("users")
        outcomes = []
        for e in entries:
            ref = str(e.get("original_id") or e.get("user") or e.get("creator"))
            status = "would_import" if body["dry_run"] else self.status
            skipped = ["rank: 'Legend' is not a tier here"] if ref == "u3" else []
            outcomes.append({"ref": ref, "status": status, "skipped": skipped})
        return Reply(success=True, data={"outcomes": outcomes})


async def test_every_part_goes_to_its_owner_in_batches() -> None:
    owner = Owner()
    report = await Importer(owner, batch_size=2).run(_plan(5), dry_run=False)
    commands = [(s, b["command"], len(b.get("accounts", []))) for s, b in owner.sent]
    assert commands == [("ledger", "ledger.import_accounts", 2), ("ledger", "ledger.import_accounts", 2),
                        ("ledger", "ledger.import_accounts", 1), ("ledger", "ledger.import_bounties", 0),
                        ("presence", "presence.import_members", 0), ("announcer", "announcer.import_vanity", 0)]
    assert all(b["channel"] == "movies" and b["dry_run"] is False for _, b in owner.sent)
    accounts = report.channels[0].parts[0]
    assert accounts.counts == {"imported": 5} and [o.ref for o in accounts.attention] == ["u3"]
    assert report.complete
    text = format_import(report)
    assert "channel movies (original 'Movies'): 5 accounts, 100 Z in opening balances, 30 Z escrowed" in text
    assert "u3: imported — rank: 'Legend' is not a tier here" in text
    assert "channel other: not in this config's channels" in text
    assert "history: 12 transactions are not copied" in text
    assert text.rstrip().split("\n")[-1].startswith("total: 5 accounts, 100 Z + 30 Z escrowed; complete")


async def test_dry_run_is_passed_to_every_owner() -> None:
    owner = Owner()
    report = await Importer(owner).run(_plan(), dry_run=True)
    assert {b["dry_run"] for _, b in owner.sent} == {True}
    assert "DRY RUN, nothing written" in format_import(report)
    assert report.channels[0].parts[0].counts == {"would_import": 5}


async def test_a_silent_batch_is_resent_with_the_same_body() -> None:
    owner = Owner(flaky=2)
    report = await Importer(owner).run(_plan(), dry_run=False)
    first = [b for s, b in owner.sent if b["command"] == "ledger.import_accounts"]
    assert len(first) == 3 and first[0] == first[1] == first[2]
    assert report.complete


async def test_a_silent_owner_leaves_the_run_incomplete_but_the_rest_goes_on() -> None:
    owner = Owner(silent={"presence"})
    report = await Importer(owner).run(_plan(), dry_run=False)
    parts = {p.part: p for p in report.channels[0].parts}
    assert parts["streaks"].error and "unavailable" in parts["streaks"].error
    assert parts["vanity"].counts == {"imported": 1}
    assert not report.complete
    text = format_import(report)
    assert "STOPPED: presence unavailable" in text and "INCOMPLETE" in text


async def test_conflicts_make_the_run_incomplete() -> None:
    report = await Importer(Owner(status="conflict")).run(_plan(2), dry_run=False)
    assert not report.complete
    assert "CONFLICT" in format_import(report)


def test_batch_size_is_bounded() -> None:
    with pytest.raises(ValueError):
        Importer(Owner(), batch_size=0)
    with pytest.raises(ValueError):
        Importer(Owner(), batch_size=501)
