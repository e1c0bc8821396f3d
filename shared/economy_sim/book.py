"""The simulator's in-memory ledger: integer balances, a per-user journal, lifetime counters, flows.

It follows the ledger's contract (DECISIONS 3-5): money is integer Z, every balance change is one
journal row, no balance may go negative (a posting that would is refused, as the ledger's condition
does), and the lifetime counters move by the ledger's own rule (``economy_ledger.rules.counter_deltas``).
``audit`` checks ``balance == SUM(journal)`` for every user, as the real ledger's ``audit`` does.

Journals are compact (``array``: one int64 amount and one uint16 flow code per row), so a 200-user,
30-day run keeps every one of its ~10^6 rows in a few megabytes.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from economy_ledger.rules import COUNTERS, counter_deltas
from economy_shared.schemas.ledger import PostingKind

HOUSE_KINDS = (PostingKind.WAGER, PostingKind.PAYOUT)


class Refused(Exception):
    """A posting the ledger would refuse (it would take a balance below zero)."""


@dataclass
class Account:
    balance: int = 0
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    amounts: array = field(default_factory=lambda: array("q"))
    codes: array = field(default_factory=lambda: array("H"))


class Book:
    """Accounts by user index. ``inflows`` / ``outflows`` [(kind, trigger)] sum the positive / negative (as a
    positive number) postings of that kind and trigger, so a tip shows on both sides."""

    def __init__(self, users: int, system: int = 1) -> None:
        """``users`` people (indexes 0..users-1), then ``system`` system accounts (escrow), left out of
        the supply and the flows as the ledger leaves ``~`` accounts out of the float."""
        self.users = users
        self.accounts = [Account() for _ in range(users + system)]
        self.flow_names: list[tuple[str, str]] = []
        self._codes: dict[tuple[PostingKind, str], int] = {}
        self.inflows: dict[tuple[str, str], int] = {}
        self.outflows: dict[tuple[str, str], int] = {}
        self.supply = 0  # sum of every balance
        self.earned_today = [0] * (users + system)  # real earnings (kind earn) of the UTC day, competitions excluded

    def _code(self, kind: PostingKind, trigger: str) -> int:
        code = self._codes.get((kind, trigger))
        if code is None:
            code = self._codes[(kind, trigger)] = len(self.flow_names)
            self.flow_names.append((kind.value, trigger))
        return code

    def post(self, user: int, amount: int, kind: PostingKind, trigger: str) -> None:
        """One journal row. Raises ``Refused`` (and changes nothing) if the balance would go negative."""
        if amount == 0:
            return
        acc = self.accounts[user]
        if acc.balance + amount < 0:
            raise Refused(f"user {user}: {amount} on {acc.balance}")
        acc.balance += amount
        code = self._code(kind, trigger)
        acc.amounts.append(amount)
        acc.codes.append(code)
        if user >= self.users:
            return
        self.supply += amount
        name = self.flow_names[code]
        if amount > 0:
            self.inflows[name] = self.inflows.get(name, 0) + amount
        else:
            self.outflows[name] = self.outflows.get(name, 0) - amount
        counters = acc.counters
        for column, delta in counter_deltas(kind, amount).items():
            counters[column] += delta
        if kind is PostingKind.EARN and not trigger.startswith("competition."):
            self.earned_today[user] += amount

    def earn_many(self, users: list[int], amounts: list[int], trigger: str) -> None:
        """Many earnings of one trigger at once (the presence minute): the same rows, less overhead."""
        kind = PostingKind.EARN
        code = self._code(kind, trigger)
        name = self.flow_names[code]
        (column,) = counter_deltas(kind, 1)  # the one counter an earning moves (lifetime_earned)
        total = 0
        accounts, earned = self.accounts, self.earned_today
        for user, amount in zip(users, amounts, strict=True):
            acc = accounts[user]
            acc.balance += amount
            acc.amounts.append(amount)
            acc.codes.append(code)
            acc.counters[column] += amount
            earned[user] += amount
            total += amount
        self.supply += total
        self.inflows[name] = self.inflows.get(name, 0) + total

    def transfer(self, sender: int, target: int, amount: int, trigger: str) -> None:
        """A tip: one request, two rows, nothing created or destroyed."""
        self.post(sender, -amount, PostingKind.TRANSFER, trigger)
        self.post(target, amount, PostingKind.TRANSFER, trigger)

    def balance(self, user: int) -> int:
        return self.accounts[user].balance

    def counter(self, user: int, column: str) -> int:
        return self.accounts[user].counters[column]

    def audit(self) -> list[str]:
        """Every account whose balance is not the sum of its journal, or is negative ([] when all is well)."""
        bad = []
        for i, acc in enumerate(self.accounts):
            if sum(acc.amounts) != acc.balance or acc.balance < 0:
                bad.append(f"user {i}: balance {acc.balance}, journal {sum(acc.amounts)}")
        if sum(a.balance for a in self.accounts[: self.users]) != self.supply:
            bad.append("supply is not the sum of the balances")
        return bad

    def rows(self) -> int:
        return sum(len(a.amounts) for a in self.accounts)
