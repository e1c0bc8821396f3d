"""What ``import-original`` plans to send, per channel (built by ``import_plan``, sent by ``importer``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from economy_shared.schemas.imports import ImportedAccount, ImportedBounty, ImportedMember, ImportedVanity


class Unmapped(BaseModel):
    """Something in the original that is not taken over, and why (one line each in the report)."""

    part: str  # "account", "bounty", "achievement", "vanity", "challenge", "channel", "stats", ...
    ref: str  # the user, bounty id or channel it concerns ("" for the whole file)
    why: str


class ChannelPlan(BaseModel):
    channel: str  # the channel as this project's config names it
    original_channel: str  # as the original's rows spell it
    accounts: list[ImportedAccount] = Field(default_factory=list)
    bounties: list[ImportedBounty] = Field(default_factory=list)
    members: list[ImportedMember] = Field(default_factory=list)
    vanity: list[ImportedVanity] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)

    @property
    def total_z(self) -> int:
        """Z in the accounts (opening balances)."""
        return sum(a.balance for a in self.accounts)

    @property
    def escrowed_z(self) -> int:
        """Z held by the open bounties (escrowed again here)."""
        return sum(b.amount for b in self.bounties)


class ImportPlan(BaseModel):
    source: str  # e.g. "kryten-economy 0.16 (economy.db)"
    channels: list[ChannelPlan] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)  # file-wide (a channel not served here, ...)
