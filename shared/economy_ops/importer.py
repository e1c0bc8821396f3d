"""Send an import plan to the services that own each part (issue 14), and collect what they answered.

Order per channel: ledger accounts (opening balances, counters, ranks, bans, achievements), ledger
bounties (escrowed), presence members (streaks, welcome state), announcer vanity (items, quiet mode,
pending GIFs). Every batch is idempotent on the owner's side, so a batch that got no answer is simply
re-sent (same body) a couple of times; a part whose owner stays silent is reported and the run ends
incomplete — running the command again finishes it and changes nothing that was already imported.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from economy_shared.envelope import Reply
from economy_shared.schemas.base import Request
from economy_shared.schemas.imports import (
    IMPORT_BATCH_MAX,
    ImportAccountsRequest,
    ImportBatchResult,
    ImportBountiesRequest,
    ImportMembersRequest,
    ImportOutcome,
    ImportVanityRequest,
)
from economy_shared.subjects import ServiceName

from .import_models import ChannelPlan, ImportPlan, Unmapped

Ask = Callable[[ServiceName, Request, float], Awaitable[Reply]]

BATCH_TIMEOUT_SECONDS = 20.0  # a batch of 500 accounts is one ledger transaction (~0.1 s here); generous
ATTEMPTS = 3
ATTENTION = ("conflict", "refused")


class PartReport(BaseModel):
    part: str  # accounts | bounties | streaks | vanity
    service: str
    sent: int = 0
    counts: dict[str, int] = Field(default_factory=dict)  # status -> entries
    attention: list[ImportOutcome] = Field(default_factory=list)  # conflicts, refusals, skipped parts
    error: str | None = None  # the owner did not answer / refused the batch

    @property
    def complete(self) -> bool:
        return self.error is None and not any(self.counts.get(s) for s in ATTENTION)


class ChannelReport(BaseModel):
    channel: str
    original_channel: str
    accounts: int
    total_z: int
    escrowed_z: int
    parts: list[PartReport] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)


class ImportReport(BaseModel):
    source: str
    dry_run: bool
    offline: bool = False  # dry run without the services: the plan only
    channels: list[ChannelReport] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return all(p.complete for c in self.channels for p in c.parts)


def _batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


class Importer:
    def __init__(self, ask: Ask, batch_size: int = IMPORT_BATCH_MAX,
                 timeout: float = BATCH_TIMEOUT_SECONDS, attempts: int = ATTEMPTS) -> None:
        if not 1 <= batch_size <= IMPORT_BATCH_MAX:
            raise ValueError(f"batch size must be 1..{IMPORT_BATCH_MAX}")
        self._ask = ask
        self._batch = batch_size
        self._timeout = timeout
        self._attempts = attempts

    async def run(self, plan: ImportPlan, dry_run: bool) -> ImportReport:
        started = time.perf_counter()
        report = ImportReport(source=plan.source, dry_run=dry_run, unmapped=list(plan.unmapped))
        for chan in plan.channels:
            report.channels.append(await self._channel(chan, plan.source, dry_run))
        report.seconds = time.perf_counter() - started
        return report

    async def _channel(self, chan: ChannelPlan, source: str, dry_run: bool) -> ChannelReport:
        c = chan.channel
        parts = [
            await self._part("accounts", "ledger", chan.accounts, lambda b: ImportAccountsRequest(
                channel=c, source=source, accounts=b, dry_run=dry_run)),
            await self._part("bounties", "ledger", chan.bounties, lambda b: ImportBountiesRequest(
                channel=c, source=source, bounties=b, dry_run=dry_run)),
            await self._part("streaks", "presence", chan.members, lambda b: ImportMembersRequest(
                channel=c, members=b, dry_run=dry_run)),
            await self._part("vanity", "announcer", chan.vanity, lambda b: ImportVanityRequest(
                channel=c, users=b, dry_run=dry_run)),
        ]
        return ChannelReport(channel=c, original_channel=chan.original_channel, accounts=len(chan.accounts),
                             total_z=chan.total_z, escrowed_z=chan.escrowed_z, parts=parts,
                             unmapped=list(chan.unmapped))

    async def _part(self, part: str, service: ServiceName, entries: Sequence[Any],
                    build: Callable[[list[Any]], Request]) -> PartReport:
        result = PartReport(part=part, service=service, sent=len(entries))
        counts: Counter[str] = Counter()
        for batch in _batches(entries, self._batch):
            reply = await self._send(service, build(batch))
            if not reply.success:
                result.error = f"{service} {reply.error_code or 'error'}: {reply.error or 'no answer'}"
                break
            for outcome in ImportBatchResult.model_validate(reply.data).outcomes:
                counts[outcome.status] += 1
                if outcome.status in ATTENTION or outcome.skipped:
                    result.attention.append(outcome)
        result.counts = dict(counts)
        return result

    async def _send(self, service: ServiceName, request: Request) -> Reply:
        reply = await self._ask(service, request, self._timeout)
        for _ in range(self._attempts - 1):
            if reply.success or reply.error_code != "unavailable":
                break
            reply = await self._ask(service, request, self._timeout)  # same body: idempotent on their side
        return reply
