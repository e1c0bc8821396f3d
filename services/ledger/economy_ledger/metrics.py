"""The ledger's own Prometheus metrics (beside the runtime's request/PM/NATS metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from economy_shared.schemas.ledger import PostRequest, PostResult
from economy_shared.users import user_key


class LedgerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.postings = Counter("economy_ledger_postings_total", "Postings applied", ["channel", "kind"],
                                registry=registry)
        self.z_moved = Counter("economy_ledger_z_total", "Z moved by postings (absolute)", ["channel", "kind"],
                               registry=registry)
        self.accounts = Gauge("economy_ledger_accounts", "Accounts per channel", ["channel"], registry=registry)
        self.circulation = Gauge("economy_total_circulation", "Z held by users", ["channel"], registry=registry)
        self.median_balance = Gauge("economy_median_balance", "Median user balance (refreshed on each scrape)",
                                    ["channel"], registry=registry)
        self.tips = Counter("economy_tips_total", "Tips applied", ["channel"], registry=registry)
        self.tipped_z = Counter("economy_tips_z_total", "Z moved by tips", ["channel"], registry=registry)
        self.tip_refusals = Counter("economy_tip_refusals_total", "Tips refused (nothing moved), by reason",
                                    ["channel", "reason"], registry=registry)
        self.rank_ups = Counter("economy_rank_promotions_total", "Rank-ups told, by the tier reached",
                                ["channel", "rank"], registry=registry)
        self.achievements = Counter("economy_achievements_awarded_total", "Achievements awarded",
                                    ["channel", "achievement"], registry=registry)
        self.cytube_promotions = Counter("economy_cytube_promotions_total",
                                         "CyTube level promotions: by ranks (done, skipped, failed), bought "
                                         "(purchased, refunded after a failure, refused before any charge)",
                                         ["channel", "outcome"], registry=registry)
        self.rank_distribution = Gauge("economy_rank_distribution", "Accounts per rank tier (from lifetime earned "
                                       "and the admin floor; system, banned and ignored accounts left out)",
                                       ["channel", "rank"], registry=registry)
        self.price_multiplier = Gauge("economy_price_multiplier", "The inflation governor's price factor "
                                      "(1.0 when off; inflation.py)", ["channel"], registry=registry)
        # bounties (bounties.py): one counter per transition, and what is open / escrowed now
        self.bounty_events = {
            event: Counter(f"economy_bounties_{event}_total", f"Bounties {event}", ["channel"], registry=registry)
            for event in ("created", "claimed", "expired", "cancelled")
        }
        self.bounties_open = Gauge("economy_bounties_open", "Open bounties", ["channel"], registry=registry)
        self.bounties_escrowed = Gauge("economy_bounties_escrowed_z", "Z escrowed in open bounties", ["channel"],
                                       registry=registry)
        # admin words (admin.py): grant, deduct, set_balance, set_rank, ban, unban that changed something
        self.admin_actions = Counter("economy_admin_actions_total", "Admin actions applied, by action",
                                     ["channel", "action"], registry=registry)
        # moving in from the original (imports.py): entries by part (account, bounty) and status
        self.imports = Counter("economy_imports_total", "Entries of ledger.import_* by part and status "
                               "(imported, already, conflict, refused, would_import)",
                               ["channel", "part", "status"], registry=registry)

    def observe_post(self, req: PostRequest, result: PostResult) -> None:
        """Count what a request applied now (a replay moved nothing; skipped banned users got nothing)."""
        if result.replayed:
            return
        skipped = set(result.skipped)
        for p in req.postings:
            if user_key(p.user) in skipped:
                continue
            self.postings.labels(req.channel, p.kind.value).inc()
            self.z_moved.labels(req.channel, p.kind.value).inc(abs(p.amount))

    def observe_summary(self, channel: str, accounts: int, held: int) -> None:
        self.accounts.labels(channel).set(accounts)
        self.circulation.labels(channel).set(held)

    def observe_rank_distribution(self, channel: str, counts: dict[str, int]) -> None:
        for rank, n in counts.items():
            self.rank_distribution.labels(channel, rank).set(n)

    def observe_tip(self, channel: str, amount: int) -> None:
        self.tips.labels(channel).inc()
        self.tipped_z.labels(channel).inc(amount)

    def observe_tip_refusal(self, channel: str, reason: str) -> None:
        self.tip_refusals.labels(channel, reason).inc()

    def observe_bounty(self, channel: str, event: str) -> None:
        self.bounty_events[event].labels(channel).inc()

    def observe_admin_action(self, channel: str, action: str) -> None:
        self.admin_actions.labels(channel, action).inc()

    def observe_import(self, channel: str, part: str, status: str, count: int) -> None:
        self.imports.labels(channel, part, status).inc(count)

    def observe_open_bounties(self, channel: str, count: int, escrowed: int) -> None:
        self.bounties_open.labels(channel).set(count)
        self.bounties_escrowed.labels(channel).set(escrowed)
