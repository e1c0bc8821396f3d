"""systemd restarts a service that exits because NATS closed for good, even through a long outage."""

from __future__ import annotations

from pathlib import Path

import pytest

from economy_shared.config import load_config
from economy_shared.runtime.client import reconnect_wait
from economy_shared.runtime.main import EXIT_NATS_CLOSED
from economy_shared.subjects import SERVICE_NAMES
from tests.deploy.test_deploy_units import DEPLOY, ROOT, parse_unit

UNITS = [DEPLOY / "systemd" / f"kryten-economy-{name}.service" for name in SERVICE_NAMES]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.stem)
def test_unit_restarts_on_the_nats_closed_exit_code(unit: Path) -> None:
    service = parse_unit(unit)["Service"]
    # on-failure and always both restart on a non-zero exit (systemd.service(5))
    assert service.get("Restart") in ("on-failure", "always")
    prevented = service.get("RestartPreventExitStatus", "").split()
    assert str(EXIT_NATS_CLOSED) not in prevented


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.stem)
def test_a_long_outage_cannot_exhaust_the_start_limit(unit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While NATS is away each start waits out the reconnect budget before it fails, so the restarts
    of an outage stay under StartLimitBurst per StartLimitIntervalSec and the unit never ends failed."""
    for var in ("NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "KRYTEN_CHANNEL"):
        monkeypatch.delenv(var, raising=False)
    config = load_config(ROOT / "config" / "economy.example.yaml")
    parsed = parse_unit(unit)
    interval = float(parsed["Unit"]["StartLimitIntervalSec"])
    burst = int(parsed["Unit"]["StartLimitBurst"])
    restart_sec = float(parsed["Service"].get("RestartSec", "0.1"))
    # the first connect fails after about attempts x wait (measured: 3 x 1 s -> 3.0 s)
    failed_start = config.nats.max_reconnect_attempts * reconnect_wait(config)
    assert burst * (failed_start + restart_sec) > interval
