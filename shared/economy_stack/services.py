"""Which services the launcher starts, and in what order (the ledger first: everyone calls it)."""

from __future__ import annotations

import importlib.util

from economy_shared.subjects import ServiceName

START_ORDER: tuple[ServiceName, ...] = ("ledger", "announcer", "presence", "gambling", "media")


def available_services() -> list[ServiceName]:
    """The services installed in this environment (a service not built yet is skipped)."""
    return [s for s in START_ORDER if importlib.util.find_spec(f"economy_{s}") is not None]
