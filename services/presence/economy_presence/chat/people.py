"""Who a name typed in chat refers to (DECISIONS 1): a present user or an account holder, never a new account.

A kudos target that is neither present nor known to the ledger is nobody, so ``credit()`` never
creates an account for an arbitrary token ("c++", "thanks,alice++"). A typed alias resolves to
its owner through kryten-userstats when the alias itself is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

from economy_shared.ledger_client import LedgerClient
from economy_shared.userstats import AliasResolver

from ..sessions import Session, SessionBook

MAX_NAME = 64
_NOBODY: dict[str, Session] = {}


class People:
    def __init__(self, books: Mapping[str, SessionBook], ledger: LedgerClient, max_cached: int = 20_000) -> None:
        self._books = books
        self._ledger = ledger  # a short timeout: this lookup sits on the chat path
        self._accounts: dict[tuple[str, str], str] = {}  # (channel, key) -> display; accounts never vanish
        self._max = max_cached

    def present(self, channel: str) -> dict[str, Session]:
        """Present, earning-eligible sessions by user key (the presence book; read-only)."""
        book = self._books.get(channel)
        return book.sessions if book is not None else _NOBODY

    async def resolve(self, channel: str, key: str, aliases: AliasResolver) -> tuple[str, str] | None:
        """(key, display) of the known user ``key`` names, or None."""
        found = await self._known(channel, key)
        if found is not None:
            return key, found
        owner = await aliases.owner(key)
        if owner and owner != key:
            found = await self._known(channel, owner)
            if found is not None:
                return owner, found
        return None

    async def _known(self, channel: str, key: str) -> str | None:
        session = self.present(channel).get(key)
        if session is not None:
            return session.display
        return await self.account_display(channel, key)

    async def account_display(self, channel: str, key: str) -> str | None:
        if not key or len(key) > MAX_NAME:
            return None
        cached = self._accounts.get((channel, key))
        if cached is not None:
            return cached
        view = await self._ledger.account(channel, key)
        if view is None or not view.found:
            return None
        if len(self._accounts) >= self._max:
            self._accounts.clear()
        self._accounts[(channel, key)] = view.user
        return view.user
