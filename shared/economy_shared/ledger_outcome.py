"""The one reading of a ledger answer to a money request (``ledger.post`` / one item of ``post_many``).

Every caller branches on ``LedgerOutcome.status`` instead of reading reply envelopes itself:

- ``APPLIED``: this request moved the money now.
- ``REPLAYED``: the key was answered before; ``result`` is that first answer (nothing moved now).
- ``REFUSED``: a business refusal (``code``: banned, insufficient_funds, bad_request …). The ledger
  stores it as the key's answer, so replaying the key returns the same refusal.
- ``CONFLICT``: the key was already used for a *different* body; nothing moved.
- ``UNAVAILABLE``: no answer (timeout, no responders, internal error). The outcome is unknown:
  retry with the **same key and the same body** until an answer comes; never re-post under a new key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .envelope import ErrorCode, Reply
from .schemas.ledger import PostOutcome, PostResult
from .users import user_key


class Status(StrEnum):
    APPLIED = "applied"
    REPLAYED = "replayed"
    REFUSED = "refused"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"


# Answers that mean "we do not know what happened": the only ones worth retrying.
_UNKNOWN = {ErrorCode.UNAVAILABLE.value, ErrorCode.INTERNAL.value, ""}


@dataclass(frozen=True)
class LedgerOutcome:
    status: Status
    code: ErrorCode | str | None = None  # the refusal's code (REFUSED), else None
    message: str = ""
    result: PostResult | None = None  # APPLIED / REPLAYED: balances after, skipped users
    detail: dict[str, Any] = field(default_factory=dict)  # a refusal's data (insufficient_funds: user, short_by)
    replayed_refusal: bool = False  # REFUSED, and the refusal was stored earlier under this key

    # ---- reading it --------------------------------------------------------------------------------
    @property
    def moved(self) -> bool:
        """The key's money has moved (now or earlier): never post it again."""
        return self.status in (Status.APPLIED, Status.REPLAYED)

    @property
    def applied(self) -> bool:
        """This very call moved the money (send the "you got paid" PM only then)."""
        return self.status is Status.APPLIED

    @property
    def answered(self) -> bool:
        """The ledger gave a final answer; only UNAVAILABLE is worth retrying (same key, same body)."""
        return self.status is not Status.UNAVAILABLE

    @property
    def refused(self) -> bool:
        return self.status is Status.REFUSED

    def refused_for(self, code: ErrorCode) -> bool:
        return self.status is Status.REFUSED and self.code == code.value

    @property
    def banned(self) -> bool:
        return self.refused_for(ErrorCode.BANNED)

    @property
    def insufficient(self) -> bool:
        return self.refused_for(ErrorCode.INSUFFICIENT_FUNDS)

    @property
    def short_user(self) -> str | None:
        """Whose balance was too small (insufficient_funds)."""
        user = self.detail.get("user")
        return user if isinstance(user, str) else None

    @property
    def balances(self) -> dict[str, int]:
        return dict(self.result.balances) if self.result is not None else {}

    @property
    def skipped(self) -> list[str]:
        return list(self.result.skipped) if self.result is not None else []

    def balance_of(self, name: str) -> int | None:
        return self.balances.get(user_key(name))

    # ---- building it -------------------------------------------------------------------------------
    @classmethod
    def unavailable(cls, message: str = "the ledger did not answer") -> LedgerOutcome:
        return cls(Status.UNAVAILABLE, message=message)

    @staticmethod
    def unanswered(reply: Reply) -> bool:
        """True when a reply envelope carries no answer (the request may be re-sent as it is)."""
        return not reply.success and (reply.error_code or "") in _UNKNOWN

    @classmethod
    def from_reply(cls, reply: Reply) -> LedgerOutcome:
        """Read a ``ledger.post`` reply envelope."""
        if reply.success:
            return cls._from_result(PostResult.model_validate(reply.data))
        return cls._from_failure(reply.error_code or "", reply.error or "", reply.data or {})

    @classmethod
    def from_item(cls, item: PostOutcome) -> LedgerOutcome:
        """Read one item of a ``ledger.post_many`` answer."""
        if item.success and item.result is not None:
            return cls._from_result(item.result)
        return cls._from_failure(item.error_code or "", item.error or "", item.data or {})

    @classmethod
    def _from_result(cls, result: PostResult) -> LedgerOutcome:
        return cls(Status.REPLAYED if result.replayed else Status.APPLIED, result=result)

    @classmethod
    def _from_failure(cls, code: str, message: str, data: dict[str, Any]) -> LedgerOutcome:
        if code in _UNKNOWN:
            return cls(Status.UNAVAILABLE, message=message)
        if code == ErrorCode.IDEMPOTENCY_CONFLICT.value:
            return cls(Status.CONFLICT, code=ErrorCode.IDEMPOTENCY_CONFLICT, message=message)
        try:
            known: ErrorCode | str = ErrorCode(code)
        except ValueError:
            known = code
        detail = {k: v for k, v in data.items() if k != "replayed"}
        return cls(Status.REFUSED, code=known, message=message, detail=detail,
                   replayed_refusal=bool(data.get("replayed")))
