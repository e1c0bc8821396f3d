"""Shared helpers for the chat-earning tests (ledger + presence on the in-memory bus); no tests here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from economy_ledger.service import LedgerService
from economy_presence.service import PresenceService
from economy_shared.config import EconomyConfig
from economy_shared.config.triggers import ChatTriggers, ContentTriggers, SocialTriggers
from tests.helpers import CHANNEL, Stack, make_config
from tests.helpers import audit_ok as audit_ok  # re-exported: the kit's tests import it from here

LEDGER = "kryten.economy.ledger.command"
SECTIONS = {"chat_triggers": ChatTriggers, "content_triggers": ContentTriggers, "social_triggers": SocialTriggers}


def chat_config(tmp_path: Path, *enabled: str, **overrides: Any) -> EconomyConfig:
    """A config with only the ``enabled`` triggers on (all when none is named) and no welcome wallet.

    ``overrides`` are merged per trigger, e.g. ``chat_triggers={"long_message": {"max_per_hour": 2}}``.
    """
    raw: dict[str, Any] = {"onboarding": {"welcome_wallet": 0}}
    for section, model in SECTIONS.items():
        prefix = section.split("_")[0]
        settings: dict[str, Any] = {}
        for name in model.model_fields:
            on = not enabled or f"{prefix}.{name}" in enabled
            settings[name] = {"enabled": on, **overrides.get(section, {}).get(name, {})}
        raw[section] = settings
    raw.update({k: v for k, v in overrides.items() if k not in SECTIONS})
    return make_config(tmp_path, **raw)


async def start(stack: Stack) -> PresenceService:
    PresenceService.autotick = False
    await stack.add(LedgerService)
    presence: PresenceService = await stack.add(PresenceService)
    presence.chat.flush_delay = 0.0  # write behind at once, so tests can read the tables after settle()
    return presence


async def join(stack: Stack, *names: str, rank: int = 1) -> None:
    for name in names:
        await stack.event("addUser", {"name": name, "rank": rank})


async def say(stack: Stack, user: str, text: str, **meta: Any) -> None:
    await stack.event("chatMsg", {"username": user, "msg": text, "meta": meta, "time": 0})


async def change_media(
    stack: Stack, media_id: str = "vid1", seconds: int = 600, title: str = "Cats", **extra: Any
) -> None:
    await stack.event("changeMedia", {"id": media_id, "type": "yt", "title": title, "seconds": seconds, **extra})


async def account(stack: Stack, user: str) -> dict[str, Any]:
    r = await stack.request(LEDGER, {"command": "ledger.balance", "channel": CHANNEL, "user": user})
    assert r["success"], r
    return r["data"]


async def balance(stack: Stack, user: str) -> int:
    return int((await account(stack, user))["balance"])


async def balances(stack: Stack, *users: str) -> dict[str, int]:
    return {u: await balance(stack, u) for u in users}


async def journal(stack: Stack, user: str) -> list[dict[str, Any]]:
    r = await stack.request(LEDGER, {"command": "ledger.journal", "channel": CHANNEL, "user": user, "limit": 100})
    assert r["success"], r
    return list(r["data"]["entries"])
