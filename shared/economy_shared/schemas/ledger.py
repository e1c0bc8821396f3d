"""Ledger requests: the only way money moves (ARCHITECTURE §3)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .base import IdemKey, Request, Result, StrictModel, UserName


class PostingKind(StrEnum):
    EARN = "earn"  # real earnings: the only kind that counts to lifetime_earned (ranks)
    SPEND = "spend"  # purchases (negative)
    REFUND = "refund"  # reverses a spend (positive), lowers lifetime_spent
    WAGER = "wager"  # stake taken (negative) or stake returned (positive)
    PAYOUT = "payout"  # gambling winnings (positive)
    TRANSFER = "transfer"  # tips: sender negative, receiver positive
    ADMIN = "admin"  # grants, deductions, set_balance; counts to nothing, ignores bans
    ESCROW = "escrow"  # system escrow account side of waiting stakes
    MAINTENANCE = "maintenance"  # decay (negative)


SYSTEM_PREFIX = "~"  # accounts whose name starts with this are system accounts (e.g. "~escrow")


def is_system_account(name: str) -> bool:
    return name.startswith(SYSTEM_PREFIX)


class Posting(StrictModel):
    """One signed balance change. A negative amount never takes the balance below zero."""

    user: UserName
    amount: int
    kind: PostingKind
    trigger_id: str = Field(default="", max_length=80)
    reason: str = Field(default="", max_length=200)
    related_user: str | None = Field(default=None, max_length=64)
    metadata: dict[str, Any] | None = None

    @field_validator("amount")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("amount must not be zero")
        if abs(v) > 10**15:
            raise ValueError("amount out of range")
        return v

    @model_validator(mode="after")
    def _kind_sign(self) -> Posting:
        if self.kind == PostingKind.EARN and self.amount < 0:
            raise ValueError("an earning must be positive")
        if self.kind == PostingKind.PAYOUT and self.amount < 0:
            raise ValueError("a payout must be positive")
        if self.kind == PostingKind.SPEND and self.amount > 0:
            raise ValueError("a spend must be negative")
        if self.kind == PostingKind.REFUND and self.amount < 0:
            raise ValueError("a refund must be positive")
        if self.kind == PostingKind.MAINTENANCE and self.amount > 0:
            raise ValueError("maintenance postings are debits")
        if self.kind == PostingKind.ESCROW and not is_system_account(self.user):
            raise ValueError("escrow postings go to a system account")
        return self


class PostRequest(Request):
    """Apply every posting atomically, once per idempotency key."""

    command: Literal["ledger.post"] = "ledger.post"
    idempotency_key: IdemKey
    postings: list[Posting] = Field(min_length=1, max_length=20000)
    # "reject": a banned user's non-admin posting fails the whole request (error_code "banned").
    # "skip": banned users' postings are dropped and listed in `skipped` (batch credits such as ticks, rain).
    on_banned: Literal["reject", "skip"] = "reject"
    # Large batches (presence ticks) do not need every balance back; keeps replies small.
    want_balances: bool = True


class PostResult(Result):
    replayed: bool = False
    applied: int = 0
    skipped: list[str] = Field(default_factory=list)
    balances: dict[str, int] = Field(default_factory=dict)  # user key -> balance after


class PostItem(StrictModel):
    """One independent request inside ``ledger.post_many``: its own key, its own all-or-nothing."""

    idempotency_key: IdemKey
    postings: list[Posting] = Field(min_length=1, max_length=1000)
    on_banned: Literal["reject", "skip"] = "reject"
    want_balances: bool = True


class PostManyRequest(Request):
    """Many independent posts in one ledger transaction (one commit, one fsync).

    Each item succeeds or fails on its own exactly as ``ledger.post`` would; busy earners (chat
    rewards, bonus waves) batch their credits this way instead of paying one commit each.
    """

    command: Literal["ledger.post_many"] = "ledger.post_many"
    items: list[PostItem] = Field(min_length=1, max_length=1000)


class PostOutcome(Result):
    success: bool
    error_code: str | None = None
    error: str | None = None
    result: PostResult | None = None
    data: dict[str, Any] = Field(default_factory=dict)  # a refusal's details (user, short_by, replayed)


class PostManyResult(Result):
    outcomes: list[PostOutcome]


class BalanceRequest(Request):
    command: Literal["ledger.balance"] = "ledger.balance"
    user: UserName


class AccountView(Result):
    found: bool
    user: str
    balance: int = 0
    lifetime_earned: int = 0
    lifetime_spent: int = 0
    lifetime_gambled_in: int = 0
    lifetime_gambled_out: int = 0
    tips_sent: int = 0
    tips_received: int = 0
    rank_name: str = ""
    banned: bool = False
    first_seen_ms: int | None = None


class BalancesRequest(Request):
    """Balances of many users at once (no account creation)."""

    command: Literal["ledger.balances"] = "ledger.balances"
    users: list[UserName] = Field(min_length=1, max_length=20000)


class BalancesResult(Result):
    balances: dict[str, int]


class BanStatusRequest(Request):
    command: Literal["ledger.banned"] = "ledger.banned"
    users: list[UserName] = Field(default_factory=list, max_length=20000)


class BanStatusResult(Result):
    banned: list[str]  # user keys


class AuditRequest(Request):
    """Check ``balance == SUM(journal)`` and ``balance >= 0`` for every account of the channel."""

    command: Literal["ledger.audit"] = "ledger.audit"


class AuditResult(Result):
    ok: bool
    accounts_checked: int
    journal_rows: int
    mismatches: list[dict[str, Any]] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    total_balance: int = 0


class JournalRequest(Request):
    """A user's most recent journal rows, newest first (``history``, tests, support)."""

    command: Literal["ledger.journal"] = "ledger.journal"
    user: UserName
    limit: int = Field(default=20, ge=1, le=500)
    trigger_id: str | None = Field(default=None, max_length=80)


class JournalEntry(Result):
    id: int
    amount: int
    kind: str
    trigger_id: str | None = None
    reason: str | None = None
    related_user: str | None = None
    created_ms: int


class JournalResult(Result):
    entries: list[JournalEntry] = Field(default_factory=list)


# ---- ranks (DECISIONS 17) ------------------------------------------------------------------------
class RankPerksRequest(Request):
    """A user's rank and the perks in force at it (media: discount, extra queues; presence: rain bonus;
    announcer: discount, free fortune). A user without an account is at the first tier."""

    command: Literal["ledger.rank_perks"] = "ledger.rank_perks"
    user: UserName


class RankPerksResult(Result):
    user: str = ""
    rank_name: str = ""
    tier_index: int = 0
    discount_percent: int = Field(default=0, ge=0, le=90)
    extra_queues_per_day: int = Field(default=0, ge=0, le=100)
    rain_bonus_percent: int = Field(default=0, ge=0)
    free_daily_fortune: bool = False
    cytube_level: int | None = None
    # the channel's inflation factor (config ``inflation``; 1.0 when off): price = round(base * factor),
    # then the rank discount (economy_shared/price_rules.py)
    price_factor: float = Field(default=1.0, gt=0)


class RankPerksManyRequest(Request):
    """Perks of many users in one request (presence's rain bonus): one query, the same rules."""

    command: Literal["ledger.rank_perks_many"] = "ledger.rank_perks_many"
    users: list[UserName] = Field(min_length=1, max_length=1000)


class RankPerksManyResult(Result):
    perks: dict[str, RankPerksResult] = Field(default_factory=dict)  # keyed by the name as asked


class BuyPromotionRequest(Request):
    """Buy the CyTube level of config ``cytube_promotion`` (DECISIONS 18; the announcer's ``buy`` calls it).
    ``request_id`` is the purchase's business fact: asking again returns the first answer, never charges twice."""

    command: Literal["ledger.buy_promotion"] = "ledger.buy_promotion"
    user: UserName
    request_id: str = Field(min_length=1, max_length=100)


class BuyPromotionResult(Result):
    """``promoted``: charged and promoted. Otherwise the robot failed and the price was refunded (``refunded``,
    ``reason``). Refusals before any charge (disabled, rank too low, already at the level, funds) are errors."""

    user: str
    level: int
    price: int
    promoted: bool
    refunded: int = 0
    reason: str = ""
    balance: int | None = None
    replayed: bool = False


class RankRequest(Request):
    command: Literal["ledger.rank"] = "ledger.rank"
    user: UserName


class RankResult(Result):
    """Where a user stands: the tier, its perks, and the way to the next one."""

    user: str
    found: bool
    rank_name: str
    tier_index: int
    lifetime_earned: int
    next_rank: str | None = None
    next_at: int | None = None
    remaining: int = 0
    percent: float = 100.0
    perks: list[str] = Field(default_factory=list)
    discount_percent: int = 0


# ---- tips and history (sprint5 §4, §6) -----------------------------------------------------------
class TipRequest(Request):
    """One tip from ``sender`` to ``target``. ``reference`` is the caller's business fact: the same
    reference from the same sender replays the first answer and never moves money twice."""

    command: Literal["ledger.tip"] = "ledger.tip"
    sender: UserName
    target: UserName
    amount: int = Field(gt=0, lt=10**15)
    reference: str = Field(min_length=1, max_length=100)


class TipResult(Result):
    sender: str
    target: str
    amount: int
    sender_balance: int | None = None
    target_balance: int | None = None
    left_today: int = 0  # what the sender may still tip today (tipping.max_per_day)
    replayed: bool = False


class HistoryRequest(Request):
    """``history [n]`` as a request: the user's last ``limit`` journal rows, newest first, in words too."""

    command: Literal["ledger.history"] = "ledger.history"
    user: UserName
    limit: int = Field(default=10, ge=1, le=25)


class HistoryResult(Result):
    entries: list[JournalEntry] = Field(default_factory=list)
    text: str = ""  # the PM reply, one line per row


# ---- leaderboards and profiles (sprint6 §1.9, §3, §4) --------------------------------------------
class LeaderboardRequest(Request):
    """``top [category]`` as a request. ``category``: earners (today), rich, lifetime or ranks, or an
    alias (today, balance, balances, all); anything else is ``bad_request`` naming the valid words."""

    command: Literal["ledger.leaderboard"] = "ledger.leaderboard"
    category: str = Field(default="earners", max_length=40)
    limit: int = Field(default=10, ge=1, le=100)


class LeaderboardRow(Result):
    position: int  # 1-based
    username: str  # display name
    amount: int  # today's earnings, balance or lifetime earned, by category
    rank_name: str | None = None  # rich and lifetime boards


class LeaderboardResult(Result):
    channel: str
    category: str  # the canonical category
    rows: list[LeaderboardRow] | None = None  # earners, rich, lifetime
    distribution: dict[str, int] | None = None  # ranks: tier → accounts (count > 0), ladder order
    text: str = ""  # the PM reply


class ProfileRequest(Request):
    """``profile [@user]`` as a request; never creates an account (``found: false`` instead)."""

    command: Literal["ledger.profile"] = "ledger.profile"
    user: UserName


class ProfileResult(Result):
    found: bool
    username: str
    rank_name: str = ""
    balance: int = 0
    lifetime_earned: int = 0
    banned: bool = False
    streak_days: int | None = None  # None: presence did not answer
    gambling_games: int | None = None  # None: the gambling service did not answer
    gambling_net: int = 0
    achievements: int | None = None  # None: not known
    title: str = ""  # the vanity title ("" = none, or the announcer did not answer)
    vanity: str = ""  # the vanity line of the PM reply ("" = nothing owned, or no answer)
    text: str = ""  # the PM reply


# ---- achievements (sprint6 §1; services/ledger/economy_ledger/achievements.py) ------------------
class StatReport(StrictModel):
    """Absolute values of one user's statistics (values only ever count upward; a lower one is ignored)."""

    user: UserName
    stats: dict[str, float] = Field(max_length=20)

    @field_validator("stats")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        if any(x < 0 or x != x or x > 1e15 for x in v.values()):
            raise ValueError("stat values must be between 0 and 1e15")
        return v


class ReportStatsRequest(Request):
    """Presence and gambling report the statistics they own; users without an account are ignored."""

    command: Literal["ledger.report_stats"] = "ledger.report_stats"
    reports: list[StatReport] = Field(min_length=1, max_length=5000)


class ReportStatsResult(Result):
    recorded: int  # users with an account whose values were stored
    unknown: list[str] = Field(default_factory=list)  # reported users without an account (nothing stored)


class AchievementsRequest(Request):
    command: Literal["ledger.achievements"] = "ledger.achievements"
    user: UserName


class EarnedAchievement(Result):
    achievement_id: str
    description: str
    awarded_ms: int


class AchievementsResult(Result):
    earned: list[EarnedAchievement]
    text: str  # the ``achievements`` PM reply
