"""Admin requests: the public ``admin.*`` (sprint 8 §4) and the original's names (lessons §1.5) on
``kryten.economy.command``, and the internal ``ledger.admin_*``. One reply shape for all.

``username`` is the target (the original's field); ``admin`` is who asks, logged with the action.
Money requests need a ``request_id``: it is the action's business fact, so a retry replays the first
answer and never moves money twice (DECISIONS 6).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Request, Result, UserName

_MAX = 10**15


class _Admin(Request):
    username: UserName
    admin: UserName = "api"


class _Money(_Admin):
    request_id: str = Field(min_length=1, max_length=100)  # type: ignore[assignment]
    amount: int = Field(gt=0, lt=_MAX)
    reason: str = Field(default="", max_length=200)


class AdminGrant(_Money):
    command: Literal["admin.grant"] = "admin.grant"


class AdminDeduct(_Money):
    command: Literal["admin.deduct"] = "admin.deduct"


class _SetBalance(_Admin):
    request_id: str = Field(min_length=1, max_length=100)  # type: ignore[assignment]
    amount: int = Field(ge=0, lt=_MAX)


class AdminSetBalance(_SetBalance):
    command: Literal["admin.set_balance"] = "admin.set_balance"


class BalanceSet(_SetBalance):
    command: Literal["balance.set"] = "balance.set"


class BalanceAdjust(_Admin):
    """The original's signed adjustment: + is a grant, − a deduction (never below 0)."""

    command: Literal["balance.adjust"] = "balance.adjust"
    request_id: str = Field(min_length=1, max_length=100)  # type: ignore[assignment]
    amount: int = Field(gt=-_MAX, lt=_MAX)
    reason: str = Field(default="", max_length=200)


class _SetRank(_Admin):
    rank_name: str = Field(min_length=1, max_length=40)


class AdminSetRank(_SetRank):
    command: Literal["admin.set_rank"] = "admin.set_rank"


class RankSet(_SetRank):
    command: Literal["rank.set"] = "rank.set"


class _Ban(_Admin):
    reason: str = Field(default="", max_length=200)


class AdminBan(_Ban):
    command: Literal["admin.ban"] = "admin.ban"


class UserBan(_Ban):
    command: Literal["user.ban"] = "user.ban"


class AdminUnban(_Admin):
    command: Literal["admin.unban"] = "admin.unban"


class UserUnban(_Admin):
    command: Literal["user.unban"] = "user.unban"


# internal (kryten.economy.ledger.command): the same use cases for the operator CLI and services
class LedgerAdminGrant(_Money):
    command: Literal["ledger.admin_grant"] = "ledger.admin_grant"


class LedgerAdminDeduct(_Money):
    command: Literal["ledger.admin_deduct"] = "ledger.admin_deduct"


class LedgerAdminSetBalance(_SetBalance):
    command: Literal["ledger.admin_set_balance"] = "ledger.admin_set_balance"


class LedgerAdminSetRank(_SetRank):
    command: Literal["ledger.admin_set_rank"] = "ledger.admin_set_rank"


class LedgerAdminBan(_Ban):
    command: Literal["ledger.admin_ban"] = "ledger.admin_ban"


class LedgerAdminUnban(_Admin):
    command: Literal["ledger.admin_unban"] = "ledger.admin_unban"


class AdminResult(Result):
    action: str  # grant, deduct, set_balance, set_rank, ban, unban
    username: str
    amount: int = 0
    balance: int | None = None
    old_balance: int | None = None
    rank_name: str | None = None
    reason: str = ""
    changed: bool = True
    replayed: bool = False
    admin: str
    request_id: str | None = None
