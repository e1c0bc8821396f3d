"""The vanity shop's SQL (tables in store.py, migration 2) and the in-memory read side.

Owned items (``vanity_items``) are all kept in memory, loaded at start and written through, so the
greeter and the PM personaliser read them with plain dict lookups (``item``, ``state``).

A purchase row is written *before* its money moves, with its price fixed; its state moves only
conditionally on the state it leaves, so exactly one path finishes it:
``charging`` → (``failed`` | ``applied`` | ``refunding`` → ``refunded``). A shoutout's cooldown is
claimed in the same transaction that writes its purchase (two concurrent buys cannot both pass).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import aiosqlite

from economy_shared.channels import channel_key
from economy_shared.config import EconomyConfig
from economy_shared.db import Database
from economy_shared.schemas.vanity import VanityState
from economy_shared.users import user_key

from .approval_store import create_pending
from .vanity_rules import STORED_ITEMS, custom_hex, find_color

State = Literal["charging", "applied", "failed", "refunding", "refunded"]
_FIELDS = frozenset({"error_code", "error", "balance", "value"})


class DuplicateRef(Exception):
    """A purchase with this ref exists already (a replay)."""


class CooldownActive(Exception):
    def __init__(self, last_ms: int) -> None:
        super().__init__("cooldown")
        self.last_ms = last_ms


@dataclass(frozen=True)
class NewPurchase:
    channel: str  # channel key
    user: str  # display name
    item: str
    value: str
    price: int
    ref: str
    charge_key: str
    refund_key: str


@dataclass(frozen=True)
class Purchase:
    id: int
    channel: str
    user_key: str
    display: str
    item: str
    value: str
    price: int
    ref: str
    charge_key: str
    refund_key: str
    state: State
    error_code: str
    error: str
    balance: int | None
    created_ms: int
    updated_ms: int

    @classmethod
    def from_row(cls, r: Any) -> Purchase:
        return cls(r["id"], r["channel"], r["user_key"], r["display_name"], r["item"], r["value"], r["price"],
                   r["ref"], r["charge_key"], r["refund_key"], r["state"], r["error_code"], r["error"],
                   r["balance"], r["created_ms"], r["updated_ms"])


Key = tuple[str, str]  # (channel key, user key)


class VanityStore:
    def __init__(self, db: Database, config: Callable[[], EconomyConfig], today: Callable[[], str]) -> None:
        self.db = db
        self._config = config
        self._today = today
        self._items: dict[Key, dict[str, str]] = {}
        self._names: dict[Key, str] = {}
        self._fortune_day: dict[Key, str] = {}
        self._gif_pending: dict[Key, str] = {}

    async def load(self) -> None:
        self._items.clear()
        for r in await self.db.fetchall("SELECT channel, user_key, display_name, item, value FROM vanity_items"):
            key = (r["channel"], r["user_key"])
            self._items.setdefault(key, {})[r["item"]] = r["value"]
            self._names[key] = r["display_name"]
        rows = await self.db.fetchall("SELECT channel, user_key, MAX(day) AS day FROM fortunes GROUP BY channel, "
                                      "user_key")
        self._fortune_day = {(r["channel"], r["user_key"]): r["day"] for r in rows}
        rows = await self.db.fetchall("SELECT channel, user_key, url FROM gif_approvals WHERE status='pending' "
                                      "ORDER BY id")
        self._gif_pending = {(r["channel"], r["user_key"]): r["url"] for r in rows}

    # ---- the sync read side (the contract) ---------------------------------------------------------------
    def item(self, channel: str, user: str, item: str) -> str | None:
        return self._items.get((channel_key(channel), user_key(user)), {}).get(item)

    def state(self, channel: str, user: str) -> VanityState:
        """What a user owns, from memory (``gif_pending`` as last seen here; ``current_state`` asks the file)."""
        key = (channel_key(channel), user_key(user))
        owned = self._items.get(key, {})
        color = owned.get("color", "")
        found = find_color(self._config().vanity_shop.chat_color.palette, color) if color else None
        return VanityState(
            user=self._names.get(key, user.strip()), greeting=owned.get("greeting", ""), title=owned.get("title", ""),
            color_name=color, color_hex=found.hex if found is not None else (custom_hex(color) or ""),
            gif_url=owned.get("gif", ""),
            gif_pending=self._gif_pending.get(key, ""), currency_name=owned.get("currency_name", ""),
            fortune_today=self._fortune_day.get(key) == self._today(),
        )

    def owners(self, channel: str, item: str | None, limit: int) -> list[VanityState]:
        chan = channel_key(channel)
        keys = sorted(k for k, owned in self._items.items() if k[0] == chan and (item is None or item in owned))
        return [self.state(channel, self._names.get(k, k[1])) for k in keys[:limit]]

    async def current_state(self, channel: str, user: str) -> VanityState:
        """``state`` with the pending GIF read from the file (approvals are resolved elsewhere)."""
        key = (channel_key(channel), user_key(user))
        row = await self.db.fetchone(
            "SELECT url FROM gif_approvals WHERE channel=? AND user_key=? AND status='pending' ORDER BY id DESC "
            "LIMIT 1", key)
        if row is None:
            self._gif_pending.pop(key, None)
        else:
            self._gif_pending[key] = row["url"]
        return self.state(channel, user)

    # ---- owned items -------------------------------------------------------------------------------------
    async def set_item(self, channel: str, user: str, display: str, item: str, value: str, purchase_id: int | None,
                       now_ms: int, conn: aiosqlite.Connection | None = None) -> None:
        """Store (replace) one owned item. With ``conn`` it joins the caller's transaction; the memory is
        updated at once, so a caller whose transaction rolls back calls ``resync``."""
        if item not in STORED_ITEMS:
            raise ValueError(f"not a stored vanity item: {item!r}")
        key = (channel_key(channel), user_key(user))
        sql = ("INSERT INTO vanity_items (channel, user_key, item, display_name, value, purchase_id, updated_ms) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, user_key, item) DO UPDATE SET "
               "display_name=excluded.display_name, value=excluded.value, purchase_id=excluded.purchase_id, "
               "updated_ms=excluded.updated_ms")
        params = (*key, item, display.strip(), value, purchase_id, now_ms)
        if conn is not None:
            await conn.execute(sql, params)
        else:
            await self.db.execute(sql, params)
        self._items.setdefault(key, {})[item] = value
        self._names[key] = display.strip()
        if item == "gif":
            self._gif_pending.pop(key, None)

    async def resync(self, channel: str, user: str) -> None:
        """Reload one user's items and pending GIF from the file (after a rolled-back transaction, or a GIF
        resolved by approvals.py)."""
        key = (channel_key(channel), user_key(user))
        rows = await self.db.fetchall("SELECT item, value FROM vanity_items WHERE channel=? AND user_key=?", key)
        self._items[key] = {r["item"]: r["value"] for r in rows}
        await self.current_state(channel, user)

    # ---- purchases ---------------------------------------------------------------------------------------
    async def begin(self, new: NewPurchase, now_ms: int, cooldown_ms: int = 0) -> Purchase:
        """Write the purchase (``charging``); with ``cooldown_ms`` claim the shoutout cooldown in the same
        transaction. Raises ``DuplicateRef`` or ``CooldownActive`` (nothing written)."""
        key = user_key(new.user)
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM purchases WHERE channel=? AND ref=?", (new.channel, new.ref)) as c:
                if await c.fetchone() is not None:
                    raise DuplicateRef(new.ref)
            if cooldown_ms > 0:
                async with conn.execute("SELECT last_ms FROM shoutout_cooldowns WHERE channel=? AND user_key=?",
                                        (new.channel, key)) as c:
                    row = await c.fetchone()
                if row is not None and now_ms - int(row["last_ms"]) < cooldown_ms:
                    raise CooldownActive(int(row["last_ms"]))
                await conn.execute(
                    "INSERT INTO shoutout_cooldowns (channel, user_key, last_ms) VALUES (?, ?, ?) "
                    "ON CONFLICT (channel, user_key) DO UPDATE SET last_ms=excluded.last_ms",
                    (new.channel, key, now_ms))
            cur = await conn.execute(
                "INSERT INTO purchases (channel, user_key, display_name, item, value, price, ref, charge_key, "
                "refund_key, state, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?, 'charging', ?, ?)",
                (new.channel, key, new.user.strip(), new.item, new.value, new.price, new.ref, new.charge_key,
                 new.refund_key, now_ms, now_ms))
            row_id = int(cur.lastrowid or 0)
            async with conn.execute("SELECT * FROM purchases WHERE id=?", (row_id,)) as c:
                row = await c.fetchone()
        return Purchase.from_row(row)

    async def give_back_cooldown(self, p: Purchase) -> None:
        """The shoutout did not go out: its claim on the cooldown is dropped (only that claim)."""
        await self.db.execute("DELETE FROM shoutout_cooldowns WHERE channel=? AND user_key=? AND last_ms=?",
                              (p.channel, p.user_key, p.created_ms))

    async def shoutout_last_ms(self, channel: str, user: str) -> int | None:
        row = await self.db.fetchone("SELECT last_ms FROM shoutout_cooldowns WHERE channel=? AND user_key=?",
                                     (channel_key(channel), user_key(user)))
        return int(row["last_ms"]) if row is not None else None

    async def get(self, purchase_id: int) -> Purchase | None:
        row = await self.db.fetchone("SELECT * FROM purchases WHERE id=?", (purchase_id,))
        return Purchase.from_row(row) if row else None

    async def by_ref(self, channel: str, ref: str) -> Purchase | None:
        row = await self.db.fetchone("SELECT * FROM purchases WHERE channel=? AND ref=?", (channel_key(channel), ref))
        return Purchase.from_row(row) if row else None

    async def refs_from(self, channel: str, prefix: str) -> list[Purchase]:
        """Purchases whose ref is ``prefix`` or starts with ``prefix:`` (a day's fortune attempts)."""
        rows = await self.db.fetchall(
            "SELECT * FROM purchases WHERE channel=? AND (ref=? OR substr(ref, 1, ?)=?) ORDER BY id",
            (channel_key(channel), prefix, len(prefix) + 1, prefix + ":"))
        return [Purchase.from_row(r) for r in rows]

    async def move(self, p: Purchase, leaving: Iterable[State], to: State, now_ms: int,
                   conn: aiosqlite.Connection | None = None, **fields: Any) -> bool:
        """Move ``p`` to ``to`` if it is in one of ``leaving``; True if this call moved it."""
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown purchase fields: {sorted(unknown)}")
        states = tuple(leaving)
        sets = "".join(f", {k}=?" for k in fields)
        sql = (f"UPDATE purchases SET state=?, updated_ms=?{sets} WHERE id=? AND state IN "
               f"({','.join('?' for _ in states)})")
        params = (to, now_ms, *fields.values(), p.id, *states)
        if conn is not None:
            cur = await conn.execute(sql, params)
            return cur.rowcount == 1
        async with self.db.transaction() as tx:
            cur = await tx.execute(sql, params)
            return cur.rowcount == 1

    async def in_flight(self, updated_before_ms: int) -> list[Purchase]:
        rows = await self.db.fetchall(
            "SELECT * FROM purchases WHERE state IN ('charging', 'refunding') AND updated_ms <= ? ORDER BY id",
            (updated_before_ms,))
        return [Purchase.from_row(r) for r in rows]

    async def open_counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT state, COUNT(*) AS n FROM purchases WHERE state IN "
                                      "('charging', 'refunding') GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}

    # ---- what a purchase leaves behind (each in one transaction with ``charging`` → ``applied``) --------
    async def apply_item(self, p: Purchase, item: str, value: str, now_ms: int, balance: int | None) -> bool:
        try:
            async with self.db.transaction() as conn:
                if not await self.move(p, ("charging",), "applied", now_ms, conn, balance=balance):
                    return False
                await self.set_item(p.channel, p.user_key, p.display, item, value, p.id, now_ms, conn)
        except BaseException:
            await self.resync(p.channel, p.user_key)
            raise
        return True

    async def apply_gif_approval(self, p: Purchase, now_ms: int, balance: int | None) -> int | None:
        """A pending ``gif_approvals`` row for an admin; its id, or None if the purchase moved already."""
        async with self.db.transaction() as conn:
            if not await self.move(p, ("charging",), "applied", now_ms, conn, balance=balance):
                return None
            approval_id = await create_pending(conn, p.channel, p.user_key, p.display, p.value, p.price, p.id, now_ms)
        self._gif_pending[(p.channel, p.user_key)] = p.value
        return approval_id

    async def approval_of(self, p: Purchase) -> int | None:
        row = await self.db.fetchone("SELECT id FROM gif_approvals WHERE purchase_id=?", (p.id,))
        return int(row["id"]) if row is not None else None

    async def apply_fortune(self, p: Purchase, day: str, now_ms: int, balance: int | None) -> bool:
        async with self.db.transaction() as conn:
            if not await self.move(p, ("charging",), "applied", now_ms, conn, balance=balance):
                return False
            await conn.execute(
                "INSERT INTO fortunes (channel, user_key, day, fortune, price, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                (p.channel, p.user_key, day, p.value, p.price, now_ms))
        self._fortune_day[(p.channel, p.user_key)] = day
        return True

    # ---- fortunes --------------------------------------------------------------------------------------
    async def fortune(self, channel: str, user: str, day: str) -> str | None:
        row = await self.db.fetchone("SELECT fortune FROM fortunes WHERE channel=? AND user_key=? AND day=?",
                                     (channel_key(channel), user_key(user), day))
        return str(row["fortune"]) if row is not None else None

    async def free_fortune(self, channel: str, user: str, day: str, text: str, now_ms: int) -> str:
        """Record a free fortune (no money); the day's fortune (this one, or the one already there)."""
        key = (channel_key(channel), user_key(user))
        await self.db.execute(
            "INSERT INTO fortunes (channel, user_key, day, fortune, price, created_ms) VALUES (?, ?, ?, ?, 0, ?) "
            "ON CONFLICT (channel, user_key, day) DO NOTHING", (*key, day, text, now_ms))
        self._fortune_day[key] = day
        return await self.fortune(channel, user, day) or text
