"""Read an original kryten-economy 0.x SQLite file, read-only, into an :class:`OriginalDump` (issue 14).

I/O only; the rules live in ``import_plan``. The original may be running (WAL mode, a connection per
call), so the file is opened ``mode=ro`` and copied into memory with sqlite3's online ``backup()`` — one
consistent snapshot, the file itself never written. When a read-only open is impossible (a read-only
directory without the ``-shm`` file that WAL readers need), the file and its ``-wal`` are copied into a
scratch directory and read from there (nothing can be writing to a directory nobody may write).
A read-only open of a WAL file may leave an empty ``-wal``/``-shm`` beside it; the original reuses them.

Older 0.x files lack later tables and columns: a missing table reads as empty, a missing column as its
default. Not-carried tables are only counted (per channel where they have one).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .original_models import (
    OrigAccount,
    OrigAchievement,
    OrigApproval,
    OrigBan,
    OrigBounty,
    OrigChallenge,
    OriginalDump,
    OrigStreak,
    OrigTipSum,
    OrigVanityItem,
    TableCount,
    parse_ts_ms,
)

BUSY_TIMEOUT_S = 10.0
_REQUIRED_ACCOUNT_COLUMNS = {"username", "channel", "balance"}

# tables whose rows are not carried, counted per channel (the report's "not copied" lines)
NOT_CARRIED_PER_CHANNEL = (
    "transactions", "daily_activity", "hourly_milestones", "trigger_cooldowns", "trigger_analytics",
    "gambling_stats", "race_results", "race_bets", "trivia_stats", "blackjack_stats",
    "economy_snapshots", "queue_spend_requests", "tip_history",
)
NOT_CARRIED_FILE_WIDE = ("service_metrics",)


class OriginalReadError(OSError):
    """The file cannot be read (one line, for the operator); an OSError, like the missing file it often is."""


class NotAnOriginalDatabase(OriginalReadError):
    """The file is readable but is not an original kryten-economy database."""


@contextmanager
def _snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """An in-memory copy of the database, taken without writing to ``path``."""
    if not path.is_file():
        raise OriginalReadError(f"{path}: no such file")
    mem = sqlite3.connect(":memory:")
    try:
        try:
            _backup_into(path.resolve().as_uri() + "?mode=ro", mem, uri=True)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise NotAnOriginalDatabase(f"{path}: not an SQLite database ({exc})") from exc
            _backup_from_copy(path, mem)
        mem.row_factory = sqlite3.Row
        yield mem
    finally:
        mem.close()


def _backup_into(source: str, mem: sqlite3.Connection, uri: bool = False) -> None:
    src = sqlite3.connect(source, uri=uri, timeout=BUSY_TIMEOUT_S)
    try:
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(mem)
    finally:
        src.close()


def _backup_from_copy(path: Path, mem: sqlite3.Connection) -> None:
    """Fallback for an unopenable read-only WAL file: read a scratch copy (with its WAL replayed)."""
    with tempfile.TemporaryDirectory(prefix="orig-economy-") as tmp:
        copy = Path(tmp) / path.name
        try:
            shutil.copy2(path, copy)
            wal = path.with_name(path.name + "-wal")
            if wal.is_file():
                shutil.copy2(wal, copy.with_name(copy.name + "-wal"))
            _backup_into(str(copy), mem)
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise NotAnOriginalDatabase(f"{path}: not an SQLite database ({exc})") from exc
            raise OriginalReadError(f"{path}: cannot be read ({exc})") from exc
        except OSError as exc:
            raise OriginalReadError(f"{path}: cannot be read ({exc})") from exc


class _Reader:
    """Reads tables tolerantly: a missing table → no rows, a missing column → its default."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        self.tables = sorted(r[0] for r in names)
        self._columns: dict[str, set[str]] = {}

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            rows = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall() if self.has(table) else []
            self._columns[table] = {r[1] for r in rows}
        return self._columns[table]

    def rows(self, table: str, wanted: dict[str, Any], where: str = "") -> list[dict[str, Any]]:
        """``SELECT wanted`` with each missing column replaced by its default; ``where`` may only use
        columns the caller checked (or that every version has)."""
        if not self.has(table):
            return []
        cols = self.columns(table)
        present = [c for c in wanted if c in cols]
        select = ", ".join(f'"{c}"' for c in present) or "1"
        sql = f'SELECT {select} FROM "{table}"' + (f" WHERE {where}" if where else "")
        out = []
        for row in self.conn.execute(sql):
            values = dict(zip(present, row, strict=False)) if present else {}
            out.append({c: default if values.get(c) is None else values[c] for c, default in wanted.items()})
        return out

    def count_by_channel(self, table: str, where: str = "") -> list[TableCount]:
        if not self.has(table):
            return []
        if "channel" not in self.columns(table):
            n = self.conn.execute(f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else ""))
            total = n.fetchone()[0]
            return [TableCount(table=table, rows=total)] if total else []
        sql = f'SELECT channel, count(*) FROM "{table}"' + (f" WHERE {where}" if where else "") + " GROUP BY channel"
        return [TableCount(table=table, channel=str(ch), rows=n) for ch, n in self.conn.execute(sql) if n]


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _text(v: Any) -> str | None:
    return None if v is None else str(v)


def read_original(path: Path) -> OriginalDump:
    """Everything the import carries (and counts of what it does not) from one original database file."""
    with _snapshot(Path(path)) as conn:
        try:
            r = _Reader(conn)
        except sqlite3.DatabaseError as exc:
            raise NotAnOriginalDatabase(f"{path}: not an SQLite database ({exc})") from exc
        if not r.has("accounts") or not r.columns("accounts") >= _REQUIRED_ACCOUNT_COLUMNS:
            raise NotAnOriginalDatabase(
                f"{path}: not an original kryten-economy database (no accounts table with username, "
                "channel and balance)")
        dump = OriginalDump(path=str(path), tables=r.tables)
        dump.accounts = _accounts(r)
        dump.streaks = [OrigStreak(username=str(x["username"]), channel=str(x["channel"]),
                                   current=_int(x["current_daily_streak"]), longest=_int(x["longest_daily_streak"]),
                                   last_date=_text(x["last_streak_date"]))
                        for x in r.rows("streaks", {"username": "", "channel": "", "current_daily_streak": 0,
                                                    "longest_daily_streak": 0, "last_streak_date": None})]
        dump.achievements = [OrigAchievement(username=str(x["username"]), channel=str(x["channel"]),
                                             achievement_id=str(x["achievement_id"]),
                                             awarded_ms=parse_ts_ms(x["awarded_at"]))
                             for x in r.rows("achievements", {"username": "", "channel": "", "achievement_id": "",
                                                              "awarded_at": None})]
        dump.vanity_items = [OrigVanityItem(username=str(x["username"]), channel=str(x["channel"]),
                                            item_type=str(x["item_type"]), value=str(x["value"]),
                                            active=bool(_int(x["active"])), purchased_ms=parse_ts_ms(x["purchased_at"]),
                                            row_id=_int(x["id"]))
                             for x in r.rows("vanity_items", {"id": 0, "username": "", "channel": "", "item_type": "",
                                                              "value": "", "active": 1, "purchased_at": None})]
        dump.bans = [OrigBan(username=str(x["username"]), channel=str(x["channel"]), banned_by=str(x["banned_by"]),
                             reason=str(x["reason"]), banned_ms=parse_ts_ms(x["banned_at"]))
                     for x in r.rows("banned_users", {"username": "", "channel": "", "banned_by": "", "reason": "",
                                                      "banned_at": None})]
        dump.bounties = _open_bounties(r)
        dump.approvals = _approvals(r)
        dump.tips = _tip_sums(r)
        dump.challenges = _pending_challenges(r)
        dump.not_carried = _not_carried(r)
        return dump


def _accounts(r: _Reader) -> list[OrigAccount]:
    wanted: dict[str, Any] = {
        "username": "", "channel": "", "balance": 0, "lifetime_earned": 0, "lifetime_spent": 0,
        "lifetime_gambled_in": 0, "lifetime_gambled_out": 0, "rank_name": None, "chat_color": None,
        "custom_greeting": None, "custom_title": None, "channel_gif_url": None, "channel_gif_approved": 0,
        "personal_currency_name": None, "welcome_wallet_claimed": 0, "economy_banned": 0, "quiet_mode": 0,
        "first_seen": None, "last_seen": None, "last_active": None,
    }
    out = []
    for x in r.rows("accounts", wanted):
        out.append(OrigAccount(
            username=str(x["username"]), channel=str(x["channel"]), balance=_int(x["balance"]),
            lifetime_earned=_int(x["lifetime_earned"]), lifetime_spent=_int(x["lifetime_spent"]),
            lifetime_gambled_in=_int(x["lifetime_gambled_in"]), lifetime_gambled_out=_int(x["lifetime_gambled_out"]),
            rank_name=_text(x["rank_name"]), chat_color=_text(x["chat_color"]),
            custom_greeting=_text(x["custom_greeting"]), custom_title=_text(x["custom_title"]),
            channel_gif_url=_text(x["channel_gif_url"]), channel_gif_approved=bool(_int(x["channel_gif_approved"])),
            personal_currency_name=_text(x["personal_currency_name"]),
            welcome_wallet_claimed=bool(_int(x["welcome_wallet_claimed"])),
            economy_banned=bool(_int(x["economy_banned"])), quiet_mode=bool(_int(x["quiet_mode"])),
            first_seen_ms=parse_ts_ms(x["first_seen"]), last_seen_ms=parse_ts_ms(x["last_seen"]),
            last_active_ms=parse_ts_ms(x["last_active"]),
        ))
    return out


def _open_bounties(r: _Reader) -> list[OrigBounty]:
    where = "status = 'open'" if "status" in r.columns("bounties") else ""
    rows = r.rows("bounties", {"id": 0, "creator": "", "channel": "", "description": "", "amount": 0,
                               "created_at": None, "expires_at": None}, where)
    return [OrigBounty(id=_int(x["id"]), creator=str(x["creator"]), channel=str(x["channel"]),
                       description=str(x["description"]), amount=_int(x["amount"]),
                       created_ms=parse_ts_ms(x["created_at"]), expires_ms=parse_ts_ms(x["expires_at"]))
            for x in rows]


def _approvals(r: _Reader) -> list[OrigApproval]:
    """Every pending approval (paid for, waiting) and every approved channel GIF."""
    if not {"status", "type"} <= r.columns("pending_approvals"):
        return []
    rows = r.rows("pending_approvals", {"id": 0, "username": "", "channel": "", "type": "", "data": "", "cost": 0,
                                        "status": "pending", "created_at": None, "resolved_at": None},
                  "status = 'pending' OR (status = 'approved' AND type = 'channel_gif')")
    return [OrigApproval(id=_int(x["id"]), username=str(x["username"]), channel=str(x["channel"]),
                         type=str(x["type"]), data=str(x["data"]), cost=_int(x["cost"]), status=str(x["status"]),
                         created_ms=parse_ts_ms(x["created_at"]), resolved_ms=parse_ts_ms(x["resolved_at"]))
            for x in rows]


def _tip_sums(r: _Reader) -> list[OrigTipSum]:
    if not {"sender", "receiver", "channel", "amount"} <= r.columns("tip_history"):
        return []
    sums: dict[tuple[str, str], OrigTipSum] = {}
    for column, field in (("sender", "sent"), ("receiver", "received")):
        sql = f"SELECT {column}, channel, COALESCE(SUM(amount), 0) FROM tip_history GROUP BY {column}, channel"
        for name, channel, total in r.conn.execute(sql):
            key = (str(name), str(channel))
            entry = sums.setdefault(key, OrigTipSum(username=key[0], channel=key[1]))
            setattr(entry, field, _int(total))
    return list(sums.values())


def _pending_challenges(r: _Reader) -> list[OrigChallenge]:
    if "status" not in r.columns("pending_challenges"):
        return []
    rows = r.rows("pending_challenges", {"id": 0, "challenger": "", "target": "", "channel": "", "wager": 0,
                                         "created_at": None, "expires_at": None}, "status = 'pending'")
    return [OrigChallenge(id=_int(x["id"]), challenger=str(x["challenger"]), target=str(x["target"]),
                          channel=str(x["channel"]), wager=_int(x["wager"]), created_ms=parse_ts_ms(x["created_at"]),
                          expires_ms=parse_ts_ms(x["expires_at"]))
            for x in rows]


def _not_carried(r: _Reader) -> list[TableCount]:
    counts: list[TableCount] = []
    for table in NOT_CARRIED_PER_CHANNEL + NOT_CARRIED_FILE_WIDE:
        counts += r.count_by_channel(table)
    # the closed parts of carried tables (settled; their money already moved in the original)
    if "status" in r.columns("bounties"):
        counts += [c.model_copy(update={"table": "bounties (closed)"})
                   for c in r.count_by_channel("bounties", "status <> 'open'")]
    if "status" in r.columns("pending_challenges"):
        counts += [c.model_copy(update={"table": "pending_challenges (settled)"})
                   for c in r.count_by_channel("pending_challenges", "status <> 'pending'")]
    if {"status", "type"} <= r.columns("pending_approvals"):
        counts += [c.model_copy(update={"table": "pending_approvals (resolved)"})
                   for c in r.count_by_channel("pending_approvals", "status <> 'pending' AND NOT "
                                               "(status = 'approved' AND type = 'channel_gif')")]
    if "active" in r.columns("vanity_items"):
        counts += [c.model_copy(update={"table": "vanity_items (inactive)"})
                   for c in r.count_by_channel("vanity_items", "active = 0")]
    if "week_number" in r.columns("streaks"):
        counts += [c.model_copy(update={"table": "streaks (weekly bridge flags)"})
                   for c in r.count_by_channel("streaks", "week_number IS NOT NULL")]
    return counts
