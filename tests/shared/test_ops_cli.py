"""The operator CLI without a bus (issue 11): argument parsing, validate-config, the health survey rules,
output wording and the SQLite online backup. The CLI against real processes: tests/system/test_system_cli.py."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from economy_ops import output
from economy_ops.backup import BackupError, backup_all
from economy_ops.cli import FAILED, OK, UNREACHABLE, USAGE, build_parser, main, nats_servers
from economy_ops.validate import config_errors
from economy_shared.envelope import Reply
from economy_shared.schemas.ledger import AccountView, AuditResult, JournalEntry, RankResult
from economy_shared.survey import ServiceStatus, status_from_reply, summarize, survey
from tests.helpers import make_config


def write_config(tmp_path: Path, **extra: Any) -> Path:
    raw: dict[str, Any] = {"channels": [{"domain": "cytu.be", "channel": "TestChan"}],
                           "database": {"directory": str(tmp_path / "data")}, **extra}
    path = tmp_path / "economy.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


# ---- argument parsing ---------------------------------------------------------------------------
def test_parser_knows_every_subcommand_and_its_options() -> None:
    p = build_parser()
    a = p.parse_args(["status", "--service", "ledger", "--service", "media", "--timeout", "0.5"])
    assert (a.cmd, a.service, a.timeout) == ("status", ["ledger", "media"], 0.5)
    a = p.parse_args(["audit", "--channel", "Other", "--config", "c.yaml"])
    assert (a.cmd, a.channel, a.config) == ("audit", "Other", "c.yaml")
    a = p.parse_args(["user", "alice", "--limit", "5", "--json"])
    assert (a.name, a.limit, a.json) == ("alice", 5, True)
    a = p.parse_args(["pm", "alice", "tip", "bob", "10", "--wait", "1.5"])
    assert (a.user, " ".join(a.text), a.wait) == ("alice", "tip bob 10", 1.5)
    a = p.parse_args(["backup", "/tmp/x"])
    assert a.dir == Path("/tmp/x")
    assert p.parse_args(["validate-config", "f.yaml"]).file == "f.yaml"


@pytest.mark.parametrize("argv", [[], ["nope"], ["user"], ["pm", "alice"], ["status", "--service", "bank"],
                                  ["status", "--timeout", "soon"]])
def test_bad_usage_exits_2_without_a_traceback(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_nats_url_comes_from_the_flag_then_the_environment_then_the_config(tmp_path: Path) -> None:
    config = make_config(tmp_path, nats={"servers": ["nats://config:4222"]})
    args = build_parser().parse_args(["status"])
    assert nats_servers(args, config, {}) == ["nats://config:4222"]
    assert nats_servers(args, config, {"NATS_URL": "nats://env:4222"}) == ["nats://env:4222"]
    args = build_parser().parse_args(["status", "--nats", "nats://flag:4222"])
    assert nats_servers(args, config, {"NATS_URL": "nats://env:4222"}) == ["nats://flag:4222"]


def test_a_missing_config_is_exit_2_and_an_unreachable_nats_exit_3(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--config", str(tmp_path / "absent.yaml")]) == USAGE
    assert "config file not found" in capsys.readouterr().err
    path = write_config(tmp_path)
    assert main(["status", "--config", str(path), "--nats", "nats://127.0.0.1:1"]) == UNREACHABLE
    err = capsys.readouterr().err
    assert "cannot reach NATS at nats://127.0.0.1:1" in err and "Traceback" not in err
    assert main(["user", "alice", "--config", str(path), "--limit", "0"]) == USAGE


# ---- validate-config ----------------------------------------------------------------------------
def test_validate_config_ok_and_each_error_with_its_key_path(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    good = write_config(tmp_path)
    assert main(["validate-config", str(good)]) == OK
    assert capsys.readouterr().out.strip() == "ok"
    assert config_errors(Path(__file__).parents[2] / "config" / "economy.example.yaml") == []

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"nats": {"servers": []}, "database": {"busy_timeout_ms": -1},
                                   "metrics": {"ports": {"ledger": 70000}}, "no_such_key": 1}), encoding="utf-8")
    assert main(["validate-config", str(bad)]) == FAILED
    lines = capsys.readouterr().out.strip().splitlines()
    paths = {line.split(":")[0] for line in lines}
    assert {"nats.servers", "channels", "database.busy_timeout_ms", "metrics.ports.ledger", "no_such_key"} <= paths
    assert len(lines) == len(paths)  # one line per problem


def test_validate_config_on_a_missing_or_broken_file(tmp_path: Path) -> None:
    assert config_errors(tmp_path / "none.yaml") == [f"config file not found: {tmp_path / 'none.yaml'}"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("channels: [unclosed", encoding="utf-8")
    (only,) = config_errors(broken)
    assert only.startswith("config file is not valid YAML")


# ---- the survey behind status and system.health -------------------------------------------------
def test_a_service_is_up_only_when_it_answers_ready() -> None:
    up = status_from_reply("ledger", Reply(success=True, data={"ready": True, "version": "1.2"}), 0.01)
    starting = status_from_reply("media", Reply(success=True, data={"ready": False}), 0.01)
    down = status_from_reply("gambling", Reply(success=False, error="no answer", error_code="unavailable"), 1.5)
    assert (up.state, up.version, starting.state, down.state, down.error) == (
        "up", "1.2", "starting", "down", "no answer")
    assert summarize([up]).status == "healthy"
    mixed = summarize([up, starting, down])
    assert (mixed.status, mixed.down) == ("degraded", ["media", "gambling"])
    assert summarize([]).status == "degraded"


async def test_survey_asks_everyone_at_once_so_a_silent_one_costs_one_timeout() -> None:
    async def ask(name: str, request: Any, timeout: float) -> Reply:
        assert request.command == "system.ping"
        if name in ("presence", "media"):
            await asyncio.sleep(timeout)
            return Reply(success=False, error="did not answer", error_code="unavailable")
        if name == "announcer":
            raise ConnectionError("closed")
        return Reply(success=True, data={"ready": True, "version": "0.1.0"})

    loop = asyncio.get_running_loop()
    started = loop.time()
    found = await survey(ask, "TestChan", timeout=0.3)
    assert loop.time() - started < 0.55  # concurrent: not 2 × 0.3 s
    assert [s.service for s in found.services] == ["ledger", "presence", "gambling", "media", "announcer"]
    assert found.status == "degraded" and found.down == ["presence", "media", "announcer"]
    assert next(s for s in found.services if s.service == "announcer").error == "ConnectionError"


# ---- wording ------------------------------------------------------------------------------------
def test_status_table_lists_every_service_and_names_who_is_down() -> None:
    found = summarize([ServiceStatus(service="ledger", state="up", ready=True, version="0.1.0", seconds=0.004),
                       ServiceStatus(service="media", state="down", error="kryten.economy.media.command did not "
                                     "answer", seconds=1.5)])
    text = output.format_status(found)
    assert text.splitlines()[1].split() == ["ledger", "up", "0.1.0", "4", "ms"]
    assert "media      down      -          kryten.economy.media.command did not answer" in text
    assert text.endswith("overall: degraded (not up: media)")


def test_audit_and_user_wording() -> None:
    bad = AuditResult(ok=False, accounts_checked=3, journal_rows=9, total_balance=1500,
                      mismatches=[{"user": "bob", "balance": 10, "journal_sum": 7}], negative=["eve"])
    text = output.format_audit("TestChan", bad)
    assert text.startswith("audit TestChan: FAILED — 3 accounts, 9 journal rows, 1,500 Z held by users")
    assert "mismatch bob: balance 10 != journal 7" in text and "negative balance: eve" in text

    info = {"account": AccountView(found=True, user="alice", balance=1234, lifetime_earned=5000, lifetime_spent=10,
                                   rank_name="Grip", first_seen_ms=0),
            "rank": RankResult(user="alice", found=True, rank_name="Grip", tier_index=1, lifetime_earned=5000,
                               next_rank="Key Grip", remaining=9000),
            "banned": True,
            "journal": [JournalEntry(id=7, amount=-10, kind="tip", related_user="bob", created_ms=86_400_000)]}
    text = output.format_user("TestChan", info)
    assert "alice in TestChan  [BANNED]" in text
    assert "balance         1,234 Z" in text and "rank            Grip (next Key Grip in 9,000 Z)" in text
    assert "#7       1970-01-02 00:00:00        -10 tip        ↔ bob" in text
    info["account"] = AccountView(found=False, user="zed")
    assert output.format_user("TestChan", info) == "zed has no account in TestChan"
    assert output.format_pm("alice", "balance", [], 2) == "no reply to alice within 2s for 'balance'"
    assert output.format_pm("alice", "balance", ["a", "b"], 2) == "→ alice: a\n→ alice: b"


# ---- backup -------------------------------------------------------------------------------------
def make_wal_db(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    conn.execute("PRAGMA user_version=4")
    return conn


def test_backup_copies_every_database_consistently_while_a_writer_runs(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    data = Path(config.database.directory)
    writer = make_wal_db(data / "ledger.db")
    make_wal_db(data / "media.db").close()
    stop = threading.Event()

    def write() -> None:  # each transaction inserts a pair summing to 0: a torn copy would not sum to 0
        i = 0
        while not stop.is_set():
            writer.execute("BEGIN")
            writer.execute("INSERT INTO t (v) VALUES (?)", (i + 1,))
            writer.execute("INSERT INTO t (v) VALUES (?)", (-(i + 1),))
            writer.execute("COMMIT")
            i += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        manifest = backup_all(config, tmp_path / "bk")
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert manifest["services"]["ledger"]["quick_check"] == "ok"
    assert manifest["services"]["ledger"]["schema_version"] == 4
    assert manifest["services"]["presence"] == {"file": None, "missing": str(data / "presence.db")}
    on_disk = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert on_disk["services"]["media"]["bytes"] == (tmp_path / "bk" / "media.db").stat().st_size > 0
    copy = sqlite3.connect(f"file:{tmp_path / 'bk' / 'ledger.db'}?mode=ro", uri=True)
    n, total = copy.execute("SELECT COUNT(*), COALESCE(SUM(v), 0) FROM t").fetchone()
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    copy.close()
    assert n % 2 == 0 and total == 0
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == ["ledger.db", "manifest.json", "media.db"]
    text = output.format_backup(str(tmp_path / "bk"), manifest)
    assert "presence   (no database at" in text and "schema v4  ok" in text


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_config(tmp_path)
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "old.db").write_text("x")
    with pytest.raises(BackupError, match="is not empty"):
        backup_all(config, tmp_path / "bk")
    path = write_config(tmp_path)
    assert main(["backup", str(tmp_path / "bk"), "--config", str(path)]) == FAILED
    assert "is not empty" in capsys.readouterr().err
