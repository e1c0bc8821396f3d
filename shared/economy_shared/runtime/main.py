"""The command line of every service: ``python -m economy_<name> --config PATH``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ..clock import ScaledClock, SystemClock
from ..config import ConfigError, EconomyConfig, load_config, resolve_config_path
from ..subjects import ServiceName
from .client import build_client
from .logging import configure_logging, get_logger
from .service import EconomyService, ServiceHost

ServiceFactory = Callable[[EconomyConfig, Any], EconomyService]


def parse_args(service: str, argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"kryten-economy-{service}", description=f"kryten-economy {service}")
    parser.add_argument("--config", help="config file (default: $KRYTEN_ECONOMY_CONFIG)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="overrides logging.level")
    parser.add_argument("--validate-config", action="store_true", help="check the config file and exit")
    return parser.parse_args(argv)


async def serve(service: EconomyService) -> None:
    """Run until SIGINT/SIGTERM, then stop cleanly."""
    host = ServiceHost(service)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - non-POSIX
            pass
    try:
        await host.start()
        await stop.wait()
    finally:
        await host.stop()


def run(service_name: ServiceName, factory: ServiceFactory, argv: list[str] | None = None) -> int:
    args = parse_args(service_name, argv)
    try:
        config = load_config(resolve_config_path(args.config))
    except ConfigError as err:
        print(f"kryten-economy-{service_name}: {err}", file=sys.stderr)
        return 2
    if args.validate_config:
        print("Config is valid.")
        return 0
    configure_logging(args.log_level or config.logging.level, config.logging.format)
    log = get_logger(f"economy.{service_name}")
    client = build_client(config, service_name)
    service = factory(config, client)
    spec = os.environ.get("KRYTEN_ECONOMY_CLOCK")
    service.clock = ScaledClock.from_spec(spec) if spec else SystemClock()
    if spec:
        log.warning("scaled_clock_in_use", spec=spec)
    try:
        asyncio.run(serve(service))
    except KeyboardInterrupt:
        pass
    except Exception as err:
        log.error("service_crashed", error=str(err) or repr(err))
        return 1
    return 0
