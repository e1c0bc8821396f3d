"""Moving in from the original kryten-economy (issue 14): the use case behind ``ledger.import_accounts`` and
``ledger.import_bounties`` (the operator CLI ``kryten-economy import-original`` sends the batches).

The rules (keys, fingerprints, rank floor, wording) are in import_rules.py, the one-transaction batch
in import_store.py. Nothing here tells anyone anything: these users already had their money, rank and
achievements, so an import announces nothing and promotes no one on CyTube.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from economy_shared.channels import channel_key
from economy_shared.clock import Clock, to_ms
from economy_shared.config import EconomyConfig
from economy_shared.runtime.logging import get_logger
from economy_shared.schemas.imports import (
    ImportAccountsRequest,
    ImportBatchResult,
    ImportBountiesRequest,
    ImportedAccount,
    ImportedBounty,
    ImportOutcome,
)

from .import_rules import AccountPlan, BountyPlan, Holding, Prior, plan_account, plan_bounty
from .import_store import ImportStore
from .metrics import LedgerMetrics

log = get_logger("economy.ledger.imports")


class Imports:
    def __init__(self, store: ImportStore, config: Callable[[], EconomyConfig], clock: Clock,
                 metrics: LedgerMetrics) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._metrics = metrics

    async def accounts(self, req: ImportAccountsRequest) -> ImportBatchResult:
        cfg = self._config()
        configured = frozenset(a.id for a in cfg.achievements)

        def plan(entry: ImportedAccount, prior: Prior | None, holding: Holding, seen: set[str]) -> AccountPlan:
            return plan_account(req.channel, entry, prior, holding, cfg.ranks, configured, seen, req.dry_run)

        plans = await self._store.accounts(req.channel, req.source, req.accounts, plan, req.dry_run,
                                           to_ms(self._clock.now()))
        outcomes = [ImportOutcome(ref=p.entry.user, status=p.verdict.status, detail=p.verdict.detail,
                                  skipped=p.skipped) for p in plans]
        self._observe(req.channel, "account", outcomes, req.dry_run,
                      z=sum(p.entry.balance for p in plans if p.writes))
        return ImportBatchResult(outcomes=outcomes)

    async def bounties(self, req: ImportBountiesRequest) -> ImportBatchResult:
        s = self._config().bounties

        def plan(entry: ImportedBounty, prior: Prior | None, seen: set[int]) -> BountyPlan:
            return plan_bounty(req.channel, entry, prior, seen, s.description_max_length, s.default_expiry_hours,
                               req.dry_run)

        plans = await self._store.bounties(req.channel, req.source, req.bounties, plan, req.dry_run,
                                           to_ms(self._clock.now()))
        outcomes = [ImportOutcome(ref=str(p.entry.original_id), status=p.verdict.status, detail=p.verdict.detail,
                                  skipped=p.skipped) for p in plans]
        self._observe(req.channel, "bounty", outcomes, req.dry_run,
                      z=sum(p.entry.amount for p in plans if p.writes))
        return ImportBatchResult(outcomes=outcomes)

    def _observe(self, channel: str, part: str, outcomes: list[ImportOutcome], dry_run: bool, z: int) -> None:
        counts = Counter(o.status for o in outcomes)
        for status, n in counts.items():
            self._metrics.observe_import(channel_key(channel), part, status, n)
        log.info("import_batch", channel=channel, part=part, dry_run=dry_run, z=z, **dict(counts))
