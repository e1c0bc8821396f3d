"""The vanity import (issue 14), the use case behind ``announcer.import_vanity``: greeting, title, colour,
GIF (approved, or still waiting for an admin), personal currency name and quiet mode, taken over from the
original kryten-economy. No money moves: the user paid in the original.

Each (channel, user) is imported once, keyed by a hash of the entry: the same entry again is ``already``,
another one ``conflict`` (nothing changes; the shared rule: economy_shared.import_marks). Items are checked
like a purchase (vanity_import_rules.py); one that fails is named in ``skipped`` and the rest are stored.
A pending GIF becomes a pending approval with its cost and no purchase, so ``approve_gif`` stores it and
``reject_gif`` refunds ``cost`` once, like a GIF bought here. The batch is one transaction; afterwards the
shop's memory is re-read for the users written, the quiet cache follows, and the chat-colour CSS is
rewritten when a colour came in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.import_marks import changed_since, digest, fingerprint, verdict
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.imports import ImportBatchResult, ImportedVanity, ImportOutcome
from economy_shared.users import user_key

from .vanity_import_rules import VanityPlan, plan
from .vanity_import_store import ImportedUser, VanityImportStore
from .vanity_rules import STORED_ITEMS

log = get_logger("economy.announcer.vanity_import")


class VanityItems(Protocol):
    """The shop's VanityStore (vanity_store.py): memory read, write-through inside a transaction, re-read."""

    def item(self, channel: str, user: str, item: str) -> str | None: ...

    async def set_item(self, channel: str, user: str, display: str, item: str, value: str,
                       purchase_id: int | None, now_ms: int, conn: aiosqlite.Connection | None = None) -> Any: ...

    async def resync(self, channel: str, user: str) -> None: ...


class QuietCache(Protocol):
    def remember_quiet(self, channel: str, user: str) -> None: ...


class ColourSync(Protocol):
    def changed(self, channel: str) -> None: ...


@dataclass(frozen=True)
class _Entry:
    data: ImportedVanity
    key: str
    hash: str


class VanityImport:
    def __init__(self, *, store: VanityImportStore, vanity: VanityItems, quiet: QuietCache, colours: ColourSync,
                 config: Callable[[], EconomyConfig], clock: Clock, channels: ChannelDirectory) -> None:
        self._store = store
        self._vanity = vanity
        self._quiet = quiet
        self._colours = colours
        self._config = config
        self._clock = clock
        self._channels = channels

    async def import_vanity(self, channel: str, users: Sequence[ImportedVanity], dry_run: bool) -> ImportBatchResult:
        name = self._channels.known(channel)
        if name is None:
            raise ServiceError(ErrorCode.BAD_REQUEST, f"unknown channel {channel!r}")
        chan = channel_key(name)
        entries = [_Entry(u, user_key(u.user), digest(fingerprint(u))) for u in users]
        keys = [e.key for e in entries]
        if dry_run:
            outcomes, _ = self._decide(name, entries, await self._store.hashes(chan, keys), dry_run=True)
            return ImportBatchResult(outcomes=outcomes)
        fresh: list[tuple[_Entry, VanityPlan]] = []
        committed = False
        try:
            async with self._store.transaction(chan) as tx:
                outcomes, fresh = self._decide(name, entries, await tx.hashes(keys), dry_run=False)
                now_ms = to_ms(self._clock.now())
                for e, p in fresh:
                    who = e.data.user
                    for item, value in p.items.items():
                        await self._vanity.set_item(name, who, who, item, value, None, now_ms, conn=tx.conn)
                    if p.quiet:
                        await tx.quiet(e.key, who, now_ms)
                    if p.pending_gif is not None:
                        await tx.pending_gif(who, p.pending_gif.url, p.pending_gif.cost,
                                             p.pending_gif.created_ms or now_ms)
                await tx.record([ImportedUser(e.key, e.data.user, e.hash) for e, _ in fresh], now_ms)
            committed = True
        finally:
            # memory follows the file: set_item wrote through, so after a commit only the pending GIFs are
            # re-read; after a rollback every user written is
            for e, p in fresh:
                if not committed or p.pending_gif is not None:
                    await self._vanity.resync(name, e.data.user)
        for e, p in fresh:
            if p.quiet:
                self._quiet.remember_quiet(name, e.data.user)
        if any(p.colour for _, p in fresh):
            self._colours.changed(name)  # imported colours show in chat (chat_colours.py)
        if fresh:
            log.info("vanity_imported", channel=name, imported=len(fresh),
                     items=sum(len(p.items) for _, p in fresh), quiet=sum(p.quiet for _, p in fresh),
                     pending_gifs=sum(p.pending_gif is not None for _, p in fresh),
                     skipped=sum(len(p.skipped) for _, p in fresh))
        return ImportBatchResult(outcomes=outcomes)

    def _decide(self, channel: str, entries: Sequence[_Entry], stored: dict[str, str],
                dry_run: bool) -> tuple[list[ImportOutcome], list[tuple[_Entry, VanityPlan]]]:
        """Each entry's fate and, for the new ones, what they store (a user twice in one batch: the first)."""
        cfg = self._config()
        seen = dict(stored)
        outcomes: list[ImportOutcome] = []
        fresh: list[tuple[_Entry, VanityPlan]] = []
        for e in entries:
            v = verdict(seen.get(e.key), e.hash, dry_run, changed_since(e.data.user))
            if not v.new:
                outcomes.append(ImportOutcome(ref=e.data.user, status=v.status, detail=v.detail))
                continue
            seen[e.key] = e.hash
            owned = {i for i in STORED_ITEMS if self._vanity.item(channel, e.data.user, i)}
            p = plan(cfg, e.data, owned)
            fresh.append((e, p))
            outcomes.append(ImportOutcome(ref=e.data.user, status=v.status, skipped=p.skipped))
        return outcomes, fresh
