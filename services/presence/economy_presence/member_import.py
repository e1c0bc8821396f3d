"""The member import (issue 14), the use case behind ``presence.import_members``: streaks and whether the
original already paid the welcome wallet, taken over from the original kryten-economy.

Every day in the batch is checked before anything is read (one bad day: ``bad_request``, nothing
changed). The batch is then decided and written in one transaction (member_import_store.py); a dry
run only reads. Members imported as welcomed are kept in memory (``welcome_claimed``), so the welcome
wallet (arrivals.py) asks no SQL on an arrival.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.clock import Clock, to_ms, utc_day
from economy_shared.envelope import ErrorCode, ServiceError
from economy_shared.import_marks import changed_since, digest, fingerprint, verdict
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.imports import ImportBatchResult, ImportedMember, ImportOutcome
from economy_shared.users import user_key

from .member_import_rules import BadDay, imported_streak, merge_streak
from .member_import_store import ImportedRow, MemberImportStore
from .timed.streaks import StreakState

log = get_logger("economy.presence.member_import")


@dataclass(frozen=True)
class _Plan:
    member: ImportedMember
    key: str
    hash: str
    streak: StreakState | None
    notes: list[str]


class MemberImport:
    def __init__(self, store: MemberImportStore, channels: ChannelDirectory, clock: Clock) -> None:
        self._store = store
        self._channels = channels
        self._clock = clock
        self._welcomed: set[tuple[str, str]] = set()

    async def load(self) -> None:
        self._welcomed = await self._store.welcomed()

    def welcome_claimed(self, channel: str, key: str) -> bool:
        """True when the original paid this user's welcome wallet (from memory: no SQL)."""
        return (channel_key(channel), key) in self._welcomed

    async def import_members(self, channel: str, members: Sequence[ImportedMember], dry_run: bool) -> ImportBatchResult:
        name = self._channels.known(channel)
        if name is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"channel {channel!r} is not configured")
        today = utc_day(self._clock.now())
        try:
            plans = [_Plan(m, user_key(m.user), digest(fingerprint(m)), *imported_streak(m, today)) for m in members]
        except BadDay as err:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(err)) from None
        keys = [p.key for p in plans]
        if dry_run:
            outcomes, _ = self._decide(plans, await self._store.hashes(name, keys), dry_run=True)
            return ImportBatchResult(outcomes=outcomes)
        async with self._store.transaction(name) as tx:
            outcomes, fresh = self._decide(plans, await tx.hashes(keys), dry_run=False)
            streaky = [p for p in fresh if p.streak is not None]
            here = await tx.streaks([p.key for p in streaky])
            await tx.save_streaks({p.key: merge_streak(here.get(p.key), p.streak) for p in streaky if p.streak})
            await tx.record([ImportedRow(p.key, p.member.user, p.hash, p.member.welcome_claimed) for p in fresh],
                            to_ms(self._clock.now()))
        self._welcomed.update((channel_key(name), p.key) for p in fresh if p.member.welcome_claimed)
        if fresh:
            log.info("members_imported", channel=name, imported=len(fresh), streaks=len(streaky),
                     welcomed=sum(p.member.welcome_claimed for p in fresh))
        return ImportBatchResult(outcomes=outcomes)

    @staticmethod
    def _decide(plans: Sequence[_Plan], stored: dict[str, str],
                dry_run: bool) -> tuple[list[ImportOutcome], list[_Plan]]:
        """Each entry's fate; the fresh ones (a user twice in one batch: the first entry counts)."""
        seen = dict(stored)
        outcomes: list[ImportOutcome] = []
        fresh: list[_Plan] = []
        for p in plans:
            v = verdict(seen.get(p.key), p.hash, dry_run, changed_since(p.member.user))
            if v.new:
                seen[p.key] = p.hash
                fresh.append(p)
            outcomes.append(ImportOutcome(ref=p.member.user, status=v.status, detail=v.detail,
                                          skipped=p.notes if v.new else []))
        return outcomes, fresh
