"""Challenge rows and their state machine.

``opening`` (challenger's stake in flight) → ``pending`` (escrowed, waiting for the target) →
``accepting`` (accepted; the settlement request is in flight) → ``settled``; or ``pending`` →
``refunding`` (declined, withdrawn, expired or called off) → ``refunded``; or ``opening`` → ``void``
(the ledger refused the stake). Every move is a conditional ``UPDATE … WHERE status = <from>``, so
of accept, decline and expiry exactly one wins (DECISIONS 16). Each method that moves a challenge and
its plays together is one transaction here.

A target who cannot cover the stake sends ``accepting`` back to ``pending`` and bumps ``settle_round``:
the ledger stored that refusal under the round's key, so the next accept is a new attempt with a new key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiosqlite

from economy_shared.db import Database

from .store import link_play, mark_play

IN_ESCROW = ("pending", "accepting", "refunding")  # the challenger's stake is held in escrow
LIVE = ("opening", *IN_ESCROW)


@dataclass(frozen=True)
class Duel:
    id: int
    token: str
    channel: str
    challenger_key: str
    challenger: str
    target_key: str
    target: str
    wager: int
    status: str
    reason: str | None
    expires_ms: int
    updated_ms: int
    challenger_play: int
    target_play: int | None
    winner_key: str | None
    rake: int | None
    prize: int | None
    settle_round: int = 0

    @classmethod
    def from_row(cls, r: Any) -> Duel:
        return cls(
            r["id"], r["token"], r["channel"], r["challenger_key"], r["challenger"], r["target_key"], r["target"],
            r["wager"], r["status"], r["reason"], r["expires_ms"], r["updated_ms"], r["challenger_play"],
            r["target_play"], r["winner_key"], r["rake"], r["prize"], r["settle_round"],
        )

    def key(self, step: str) -> str:
        """Ledger idempotency key of a once-only money step of this challenge (escrow, refund)."""
        return f"challenge:{self.token}:{step}"

    @property
    def settle_key(self) -> str:
        """The accept-and-settle key of the current accept attempt (round 0 keeps the original key)."""
        base = self.key("settle")
        return base if self.settle_round == 0 else f"{base}:{self.settle_round}"

    @property
    def winner(self) -> str:
        return self.challenger if self.winner_key == self.challenger_key else self.target

    @property
    def loser(self) -> str:
        return self.target if self.winner_key == self.challenger_key else self.challenger


class DuelStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_pair(self, conn: aiosqlite.Connection, channel: str, a: str, b: str) -> bool:
        """Is a challenge already live between these two users, either way round?"""
        marks = ",".join("?" * len(LIVE))
        async with conn.execute(
            f"SELECT 1 FROM challenges WHERE channel=? AND status IN ({marks}) AND "
            "((challenger_key=? AND target_key=?) OR (challenger_key=? AND target_key=?)) LIMIT 1",
            (channel, *LIVE, a, b, b, a),
        ) as cur:
            return await cur.fetchone() is not None

    async def insert(self, conn: aiosqlite.Connection, *, channel: str, challenger_key: str, challenger: str,
                     target_key: str, target: str, wager: int, now_ms: int, expires_ms: int, play_id: int) -> int:
        cur = await conn.execute(
            "INSERT INTO challenges (token, channel, challenger_key, challenger, target_key, target, wager, status, "
            "created_ms, expires_ms, updated_ms, challenger_play) VALUES (?,?,?,?,?,?,?,'opening',?,?,?,?)",
            (uuid.uuid4().hex, channel, challenger_key, challenger, target_key, target, wager, now_ms, expires_ms,
             now_ms, play_id),
        )
        duel_id = int(cur.lastrowid or 0)
        await link_play(conn, play_id, duel_id)
        return duel_id

    async def get(self, duel_id: int) -> Duel | None:
        row = await self.db.fetchone("SELECT * FROM challenges WHERE id=?", (duel_id,))
        return Duel.from_row(row) if row else None

    async def find(self, channel: str, *, target_key: str | None = None, challenger_key: str | None = None,
                   status: str = "pending") -> Duel | None:
        """The oldest challenge in ``status`` matching the given sides."""
        sql, args = "SELECT * FROM challenges WHERE channel=? AND status=?", [channel, status]
        if target_key is not None:
            sql, args = sql + " AND target_key=?", [*args, target_key]
        if challenger_key is not None:
            sql, args = sql + " AND challenger_key=?", [*args, challenger_key]
        row = await self.db.fetchone(sql + " ORDER BY id LIMIT 1", args)
        return Duel.from_row(row) if row else None

    async def move(self, conn: aiosqlite.Connection, duel_id: int, src: str, dst: str, now_ms: int,
                   *, unexpired_at: int | None = None, **fields: Any) -> bool:
        """Conditional state transition; True only for the one caller that made it."""
        sets = ", ".join(f"{k}=?" for k in fields)
        sql = f"UPDATE challenges SET status=?, updated_ms=?{', ' + sets if sets else ''} WHERE id=? AND status=?"
        args: list[Any] = [dst, now_ms, *fields.values(), duel_id, src]
        if unexpired_at is not None:
            sql, args = sql + " AND expires_ms > ?", [*args, unexpired_at]
        cur = await conn.execute(sql, args)
        return cur.rowcount == 1

    async def transition(self, duel_id: int, src: str, dst: str, now_ms: int, **fields: Any) -> bool:
        async with self.db.transaction() as conn:
            return await self.move(conn, duel_id, src, dst, now_ms, **fields)

    async def void_opening(self, duel: Duel, now_ms: int) -> bool:
        """The ledger refused the challenger's stake: the challenge never opens; the claim is given back."""
        async with self.db.transaction() as conn:
            moved = await self.move(conn, duel.id, "opening", "void", now_ms, reason="refused")
            if moved:
                await mark_play(conn, duel.challenger_play, "void", now_ms)
        return moved

    async def reopen(self, duel: Duel, now_ms: int) -> bool:
        """The target could not cover the stake: back to ``pending``, the next accept in a new round."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE challenges SET status='pending', updated_ms=?, target_play=NULL, "
                "settle_round=settle_round+1 WHERE id=? AND status='accepting' AND settle_round=?",
                (now_ms, duel.id, duel.settle_round),
            )
            moved = cur.rowcount == 1
            if moved and duel.target_play is not None:
                await mark_play(conn, duel.target_play, "void", now_ms)
        return moved

    async def call_off(self, duel: Duel, now_ms: int) -> bool:
        """Someone was banned before the settlement: the stake goes back (``refunding``)."""
        async with self.db.transaction() as conn:
            moved = await self.move(conn, duel.id, "accepting", "refunding", now_ms, reason="called_off")
            if moved and duel.target_play is not None:
                await mark_play(conn, duel.target_play, "void", now_ms)
        return moved

    async def settle(self, duel: Duel, now_ms: int) -> bool:
        """The ledger applied the settlement: close the challenge and both plays with their payouts."""
        async with self.db.transaction() as conn:
            moved = await self.move(conn, duel.id, "accepting", "settled", now_ms)
            if moved:
                challenger_won = duel.winner_key == duel.challenger_key
                await mark_play(conn, duel.challenger_play, "settled", now_ms, duel.prize if challenger_won else 0)
                if duel.target_play is not None:
                    await mark_play(conn, duel.target_play, "settled", now_ms, 0 if challenger_won else duel.prize)
        return moved

    async def finish_refund(self, duel: Duel, now_ms: int) -> bool:
        """The ledger returned the escrowed stake: the challenger's play no longer counts."""
        async with self.db.transaction() as conn:
            moved = await self.move(conn, duel.id, "refunding", "refunded", now_ms)
            if moved:
                await mark_play(conn, duel.challenger_play, "void", now_ms)
        return moved

    async def expired(self, now_ms: int) -> list[Duel]:
        rows = await self.db.fetchall(
            "SELECT * FROM challenges WHERE status='pending' AND expires_ms <= ? ORDER BY id", (now_ms,)
        )
        return [Duel.from_row(r) for r in rows]

    async def in_flight(self, before_ms: int) -> list[Duel]:
        """Challenges whose ledger step has not been confirmed since ``before_ms`` (restart, ledger outage)."""
        rows = await self.db.fetchall(
            "SELECT * FROM challenges WHERE status IN ('opening', 'accepting', 'refunding') AND updated_ms <= ? "
            "ORDER BY id",
            (before_ms,),
        )
        return [Duel.from_row(r) for r in rows]

    async def escrowed(self, channel: str) -> tuple[int, int, int]:
        """(challenges holding a stake, Z they hold, challenges whose stake is in flight)."""
        marks = ",".join("?" * len(IN_ESCROW))
        row = await self.db.fetchone(
            f"SELECT COUNT(*), COALESCE(SUM(wager), 0) FROM challenges WHERE channel=? AND status IN ({marks})",
            (channel, *IN_ESCROW),
        )
        opening = await self.db.fetchone(
            "SELECT COUNT(*) FROM challenges WHERE channel=? AND status='opening'", (channel,)
        )
        held, total = (int(row[0]), int(row[1])) if row else (0, 0)
        return held, total, int(opening[0]) if opening else 0
