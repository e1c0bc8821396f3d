"""Connection, identity and process settings shared by all services."""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import Section


class NatsSettings(Section):
    servers: list[str] = Field(default_factory=lambda: ["nats://127.0.0.1:4222"], min_length=1)
    user: str | None = None
    password: str | None = None
    token: str | None = None
    connect_timeout: float = Field(default=5.0, gt=0)
    reconnect_time_wait: float = Field(default=2.0, ge=0)
    # Finite on purpose: with -1 kryten-py's connect() blocks forever when NATS is down.
    max_reconnect_attempts: int = Field(default=60, ge=1)
    request_timeout_seconds: float = Field(default=3.0, gt=0, le=60)


class ChannelSettings(Section):
    domain: str = Field(min_length=1)
    channel: str = Field(min_length=1)

    @field_validator("domain", "channel")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        return v


class DatabaseSettings(Section):
    """Each service keeps its own SQLite file ``<directory>/<service>.db``."""

    directory: str = "data"
    busy_timeout_ms: int = Field(default=5000, ge=0)


class ServicePorts(Section):
    ledger: int = Field(default=28286, ge=0, le=65535)
    presence: int = Field(default=28287, ge=0, le=65535)
    gambling: int = Field(default=28288, ge=0, le=65535)
    media: int = Field(default=28289, ge=0, le=65535)
    announcer: int = Field(default=28290, ge=0, le=65535)


class MetricsSettings(Section):
    """One Prometheus ``/metrics`` and ``/health`` endpoint per service, each on its own port."""

    enabled: bool = True
    host: str = "127.0.0.1"
    ports: ServicePorts = Field(default_factory=ServicePorts)


class LoggingSettings(Section):
    level: str = "INFO"
    # "auto": readable on a terminal, JSON otherwise (e.g. under systemd).
    format: str = Field(default="auto", pattern="^(auto|json|console)$")


class CurrencySettings(Section):
    name: str = "Z-Coin"
    symbol: str = "Z"
    plural: str = "Z-Coins"


class BotSettings(Section):
    username: str = "ZCoinBot"


class CommandSettings(Section):
    rate_limit_per_minute: int = Field(default=10, ge=1, le=600)
    # Replies to commands longer than this are split on line boundaries (CyTube's PM limit).
    max_message_length: int = Field(default=240, ge=40, le=1000)
