"""What the operator CLI asks the running services, through a kryten-py ``KrytenClient`` (no ``import nats``).

Every request goes through ``runtime.requests.call`` (a silent service becomes an ``unavailable``
reply) and ``system.ping`` through ``economy_shared.survey`` — the same code the ledger's public
``system.health`` uses.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from economy_shared.config import EconomyConfig
from economy_shared.envelope import Reply
from economy_shared.runtime.client import flush
from economy_shared.runtime.requests import call
from economy_shared.schemas.base import Request
from economy_shared.schemas.ledger import (
    AccountView,
    AuditRequest,
    AuditResult,
    BalanceRequest,
    BanStatusRequest,
    JournalEntry,
    JournalRequest,
    RankRequest,
    RankResult,
)
from economy_shared.subjects import ROBOT_COMMAND, ServiceName, service_subject
from economy_shared.survey import Survey, survey

CONNECT_TIMEOUT_SECONDS = 10.0


class Unreachable(Exception):
    """NATS could not be reached (the message names the servers)."""


def client_config(config: EconomyConfig, servers: list[str]) -> dict[str, Any]:
    """A short-lived probe client: few reconnects (an operator wants an answer, not a hang)."""
    nats: dict[str, Any] = {"servers": servers, "connect_timeout": 2, "max_reconnect_attempts": 1,
                            "reconnect_time_wait": 1}
    for key in ("user", "password", "token"):
        value = getattr(config.nats, key)
        if value:
            nats[key] = value
    return {"nats": nats, "channels": [{"domain": c.domain, "channel": c.channel} for c in config.channels],
            "log_level": "ERROR"}


class Remote:
    """One connection to the bus for one CLI run."""

    def __init__(self, config: EconomyConfig, servers: list[str], client: Any = None) -> None:
        self.config = config
        self.servers = servers
        self.timeout = config.nats.request_timeout_seconds
        if client is None:
            from kryten import KrytenClient

            client = KrytenClient(client_config(config, servers))
        self.client = client

    async def __aenter__(self) -> Remote:
        try:
            await asyncio.wait_for(self.client.connect(), CONNECT_TIMEOUT_SECONDS)
        except Exception as err:  # TimeoutError, KrytenConnectionError
            raise Unreachable(f"cannot reach NATS at {', '.join(self.servers)} ({type(err).__name__})") from None
        return self

    async def __aexit__(self, *_: object) -> None:
        try:
            await asyncio.wait_for(self.client.disconnect(), 5)
        except Exception:
            pass

    async def ask(self, service: ServiceName, request: Request, timeout: float | None = None) -> Reply:
        return await call(self.client, service_subject(service), request, timeout or self.timeout)

    async def _ledger(self, request: Request) -> dict[str, Any]:
        reply = await self.ask("ledger", request)
        if not reply.success:
            raise RuntimeError(f"ledger: {reply.error} ({reply.error_code})")
        return reply.data

    # ---- subcommands ----------------------------------------------------------------------------
    async def status(self, channel: str, names: list[ServiceName], timeout: float) -> Survey:
        return await survey(self.ask, channel, names, timeout)

    async def audit(self, channel: str) -> AuditResult:
        return AuditResult.model_validate(await self._ledger(AuditRequest(channel=channel)))

    async def user(self, channel: str, name: str, limit: int) -> dict[str, Any]:
        """Balance and lifetime counters, rank, ban state and the journal tail of one user."""
        account, rank, banned, journal = await asyncio.gather(
            self._ledger(BalanceRequest(channel=channel, user=name)),
            self._ledger(RankRequest(channel=channel, user=name)),
            self._ledger(BanStatusRequest(channel=channel, users=[name])),
            self._ledger(JournalRequest(channel=channel, user=name, limit=limit)),
        )
        return {
            "account": AccountView.model_validate(account),
            "rank": RankResult.model_validate(rank),
            "banned": bool(banned.get("banned")),
            "journal": [JournalEntry.model_validate(e) for e in journal.get("entries", [])],
        }

    async def pm(self, channel: str, user: str, text: str, wait: float) -> list[str]:
        """Publish a CyTube ``pm`` event as kryten-robot would and collect the bot's PMs back to ``user``."""
        chan = next((c for c in self.config.channels if c.channel.casefold() == channel.casefold()), None)
        if chan is None:
            raise ValueError(f"channel {channel!r} is not in the config")
        replies: list[str] = []

        async def on_command(msg: Any) -> None:
            try:
                body = json.loads(msg.data)
            except ValueError:
                return
            if not isinstance(body, dict) or not isinstance(body.get("args"), dict):
                return
            args = body["args"]
            if body.get("command") == "pm" and str(args.get("to", "")).casefold() == user.casefold():
                replies.append(str(args.get("msg", "")))

        sub = await self.client.subscribe(ROBOT_COMMAND, on_command)
        await flush(self.client)  # our SUB reaches the server before the services can answer
        envelope = {
            "event_name": "pm",
            "payload": {"username": user, "msg": text, "meta": {}, "time": int(time.time() * 1000),
                        "to": self.config.bot.username},
            "channel": chan.channel,
            "domain": chan.domain,
            "timestamp": datetime.now(UTC).isoformat(),
            "correlation_id": str(uuid.uuid4()),
        }
        await self.client.publish(f"kryten.events.cytube.{chan.channel.lower().replace('.', '')}.pm", envelope)
        await asyncio.sleep(wait)
        try:
            await sub.unsubscribe()
        except Exception:
            pass
        return replies
