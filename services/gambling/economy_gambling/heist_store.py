"""Heist rows, crew seats and their state machine.

Heist: ``opening`` (initiator's stake in flight) → ``open`` (join window) → ``resolving`` (outcome
drawn and stored; the settlement request is in flight) → ``settled`` or ``refunded``; ``opening`` →
``void`` when the initiator's stake is refused. A partial unique index allows one live heist per
channel. Seat: ``escrowing`` → ``staked`` or ``void``. A heist resolves only when no seat is still
``escrowing``, so every stake that reached escrow is settled or refunded with the heist. Each method
that moves a heist, its seats or their plays together is one transaction here.

The settlement's key is per ``settle_round``: when the ledger refuses it because a member was banned
during the window, that refusal is stored under the round's key, so the next body (the banned member's
stake handed back instead of paid) goes out in the next round, under a new key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from economy_shared.db import Database

from .store import link_play, mark_play

LIVE = ("opening", "open", "resolving")


@dataclass(frozen=True)
class Heist:
    id: int
    token: str
    channel: str
    initiator_key: str
    initiator: str
    wager: int
    multiplier: float  # payout multiplier the crew signed up for (a reload does not change a running heist)
    status: str
    outcome: str | None
    deadline_ms: int
    updated_ms: int
    settle_round: int = 0

    @classmethod
    def from_row(cls, r: Any) -> Heist:
        return cls(r["id"], r["token"], r["channel"], r["initiator_key"], r["initiator"], r["wager"], r["multiplier"],
                   r["status"], r["outcome"], r["deadline_ms"], r["updated_ms"], r["settle_round"])

    def stake_key(self, member_key: str) -> str:
        """One per seat: a member has one seat per heist, and a refused stake voids the seat for good."""
        return f"heist:{self.token}:stake:{member_key}"

    @property
    def resolve_key(self) -> str:
        """The settlement key of the current round (round 0 keeps the original key)."""
        base = f"heist:{self.token}:resolve"
        return base if self.settle_round == 0 else f"{base}:{self.settle_round}"


@dataclass(frozen=True)
class Seat:
    heist_id: int
    user_key: str
    display: str
    play_id: int
    stake: int
    status: str
    refund: bool  # a banned member whose stake is handed back instead of paid

    @classmethod
    def from_row(cls, r: Any) -> Seat:
        return cls(r["heist_id"], r["user_key"], r["display"], r["play_id"], r["stake"], r["status"], bool(r["refund"]))


class HeistStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, conn: aiosqlite.Connection, *, channel: str, initiator_key: str, initiator: str,
                     wager: int, multiplier: float, now_ms: int, deadline_ms: int) -> int:
        """Raises ``sqlite3.IntegrityError`` when the channel already has a live heist."""
        cur = await conn.execute(
            "INSERT INTO heists (token, channel, initiator_key, initiator, wager, multiplier, status, created_ms, "
            "deadline_ms, updated_ms) VALUES (?,?,?,?,?,?,'opening',?,?,?)",
            (uuid.uuid4().hex, channel, initiator_key, initiator, wager, multiplier, now_ms, deadline_ms, now_ms),
        )
        return int(cur.lastrowid or 0)

    async def seat(self, conn: aiosqlite.Connection, heist_id: int, key: str, display: str, play_id: int,
                   stake: int, now_ms: int) -> None:
        """Raises ``sqlite3.IntegrityError`` when the user already has a seat."""
        await conn.execute(
            "INSERT INTO heist_members (heist_id, user_key, display, play_id, stake, status, joined_ms, updated_ms) "
            "VALUES (?,?,?,?,?,'escrowing',?,?)",
            (heist_id, key, display, play_id, stake, now_ms, now_ms),
        )
        await link_play(conn, play_id, heist_id)

    async def get(self, heist_id: int) -> Heist | None:
        row = await self.db.fetchone("SELECT * FROM heists WHERE id=?", (heist_id,))
        return Heist.from_row(row) if row else None

    async def live(self, channel: str) -> Heist | None:
        row = await self.db.fetchone(
            "SELECT * FROM heists WHERE channel=? AND status IN ('opening', 'open', 'resolving')", (channel,)
        )
        return Heist.from_row(row) if row else None

    async def state(self, conn: aiosqlite.Connection, heist_id: int) -> tuple[str, int] | None:
        async with conn.execute("SELECT status, deadline_ms FROM heists WHERE id=?", (heist_id,)) as cur:
            row = await cur.fetchone()
        return (row[0], int(row[1])) if row else None

    async def seats(self, heist_id: int, conn: aiosqlite.Connection | None = None) -> list[Seat]:
        sql, args = "SELECT * FROM heist_members WHERE heist_id=? ORDER BY joined_ms, user_key", (heist_id,)
        if conn is None:
            return [Seat.from_row(r) for r in await self.db.fetchall(sql, args)]
        async with conn.execute(sql, args) as cur:
            return [Seat.from_row(r) for r in await cur.fetchall()]

    async def move(self, conn: aiosqlite.Connection, heist_id: int, src: str, dst: str, now_ms: int,
                   outcome: str | None = None) -> bool:
        cur = await conn.execute(
            "UPDATE heists SET status=?, outcome=COALESCE(?, outcome), updated_ms=? WHERE id=? AND status=?",
            (dst, outcome, now_ms, heist_id, src),
        )
        return cur.rowcount == 1

    async def transition(self, heist_id: int, src: str, dst: str, now_ms: int) -> bool:
        async with self.db.transaction() as conn:
            return await self.move(conn, heist_id, src, dst, now_ms)

    async def _move_seat(self, conn: aiosqlite.Connection, heist_id: int, key: str, src: str, dst: str,
                         now_ms: int) -> bool:
        cur = await conn.execute(
            "UPDATE heist_members SET status=?, updated_ms=? WHERE heist_id=? AND user_key=? AND status=?",
            (dst, now_ms, heist_id, key, src),
        )
        return cur.rowcount == 1

    async def seat_staked(self, seat: Seat, now_ms: int) -> bool:
        async with self.db.transaction() as conn:
            return await self._move_seat(conn, seat.heist_id, seat.user_key, "escrowing", "staked", now_ms)

    async def seat_refused(self, seat: Seat, now_ms: int) -> bool:
        """The ledger refused the stake: the seat is void and the claim is given back."""
        async with self.db.transaction() as conn:
            moved = await self._move_seat(conn, seat.heist_id, seat.user_key, "escrowing", "void", now_ms)
            if moved:
                await mark_play(conn, seat.play_id, "void", now_ms)
        return moved

    async def start_resolving(self, heist_id: int, now_ms: int,
                              decide: Callable[[list[Seat]], str | None]) -> str | None:
        """Store the outcome ``decide(seats)`` draws and move ``open`` → ``resolving``, exactly once.

        ``decide`` returns None to wait (a stake is still in flight). Returns the stored outcome, or None.
        """
        async with self.db.transaction() as conn:
            outcome = decide(await self.seats(heist_id, conn))
            if outcome is None or not await self.move(conn, heist_id, "open", "resolving", now_ms, outcome):
                return None
        return outcome

    async def next_round(self, heist: Heist, refund_keys: Sequence[str]) -> bool:
        """After a refused settlement: hand ``refund_keys``' stakes back instead of paying them, in a new round."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE heists SET settle_round=settle_round+1 WHERE id=? AND status='resolving' AND settle_round=?",
                (heist.id, heist.settle_round),
            )
            if cur.rowcount != 1:
                return False
            await conn.executemany(
                "UPDATE heist_members SET refund=1 WHERE heist_id=? AND user_key=?",
                [(heist.id, k) for k in refund_keys],
            )
        return True

    async def finish(self, heist_id: int, dst: str, plays: Sequence[tuple[int, str, int | None]],
                     now_ms: int) -> bool:
        """The ledger applied the settlement: ``resolving`` → ``dst``, each (play, status, payout) closed."""
        async with self.db.transaction() as conn:
            moved = await self.move(conn, heist_id, "resolving", dst, now_ms)
            for play_id, status, payout in plays if moved else []:
                await mark_play(conn, play_id, status, now_ms, payout)
        return moved

    async def due(self, now_ms: int) -> list[Heist]:
        rows = await self.db.fetchall(
            "SELECT * FROM heists WHERE status='open' AND deadline_ms <= ? ORDER BY id", (now_ms,)
        )
        return [Heist.from_row(r) for r in rows]

    async def in_flight(self, before_ms: int) -> list[Heist]:
        """Live heists with a money step not confirmed since ``before_ms``: opening, resolving, or a seat escrowing."""
        rows = await self.db.fetchall(
            """SELECT * FROM heists h WHERE (h.status IN ('opening', 'resolving') AND h.updated_ms <= ?)
                  OR (h.status = 'open' AND EXISTS (SELECT 1 FROM heist_members m WHERE m.heist_id = h.id
                      AND m.status = 'escrowing' AND m.updated_ms <= ?))
               ORDER BY id""",
            (before_ms, before_ms),
        )
        return [Heist.from_row(r) for r in rows]

    async def escrowed(self, channel: str) -> tuple[int, int, int]:
        """(live heists, Z staked in them, seats whose stake is in flight)."""
        row = await self.db.fetchone(
            """SELECT COUNT(DISTINCT h.id),
                      COALESCE(SUM(CASE WHEN m.status = 'staked' THEN m.stake ELSE 0 END), 0),
                      COALESCE(SUM(CASE WHEN m.status = 'escrowing' THEN 1 ELSE 0 END), 0)
               FROM heists h LEFT JOIN heist_members m ON m.heist_id = h.id
               WHERE h.channel = ? AND h.status IN ('opening', 'open', 'resolving')""",
            (channel,),
        )
        return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
