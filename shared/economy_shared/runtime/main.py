"""The command line of every service: ``python -m economy_<name> --config PATH``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ..clock import ScaledClock, SystemClock
from ..config import ConfigError, EconomyConfig, load_config, resolve_config_path
from ..subjects import ServiceName
from .client import build_client, reconnect_wait
from .logging import configure_logging, get_logger
from .service import EconomyService, ServiceHost

ServiceFactory = Callable[[EconomyConfig, Any], EconomyService]


def parse_args(service: str, argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"kryten-economy-{service}", description=f"kryten-economy {service}")
    parser.add_argument("--config", help="config file (default: $KRYTEN_ECONOMY_CONFIG)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="overrides logging.level")
    parser.add_argument("--validate-config", action="store_true", help="check the config file and exit")
    return parser.parse_args(argv)


# sysexits EX_TEMPFAIL: "try again later". Any non-zero code makes systemd (Restart=on-failure)
# and the stack launcher restart the process.
EXIT_NATS_CLOSED = 75


async def serve(service: EconomyService) -> int:
    """Run until SIGINT/SIGTERM (exit code 0) or until NATS closes for good (``EXIT_NATS_CLOSED``)."""
    host = ServiceHost(service)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - non-POSIX
            pass
    with contextlib.suppress(NotImplementedError, AttributeError):  # SIGHUP: reload the config (runtime/reload.py)
        loop.add_signal_handler(signal.SIGHUP, service.reloader.on_sighup)
    code = 0
    try:
        await host.start()
        code = await _until_stopped_or_closed(host, stop)
    finally:
        try:
            await host.stop()
        except Exception as err:
            if code == 0:
                raise
            service.log.warning("stop_failed", error=repr(err))  # exiting for the restart anyway
    return code


async def _until_stopped_or_closed(host: ServiceHost, stop: asyncio.Event) -> int:
    stopping = asyncio.ensure_future(stop.wait())
    closed = asyncio.ensure_future(host.connection_closed())
    try:
        await asyncio.wait({stopping, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (stopping, closed):
            task.cancel()
    if stopping.done() and not stopping.cancelled():
        return 0
    nats = host.service.config.nats
    host.service.log.error(
        "nats_connection_closed",
        servers=nats.servers,
        exit_code=EXIT_NATS_CLOSED,
        detail=(
            f"gave up after {nats.max_reconnect_attempts} reconnect attempts {reconnect_wait(host.service.config)}s"
            " apart; exiting so the supervisor restarts us"
        ),
    )
    return EXIT_NATS_CLOSED


def run(service_name: ServiceName, factory: ServiceFactory, argv: list[str] | None = None) -> int:
    args = parse_args(service_name, argv)
    try:
        config_path = resolve_config_path(args.config)
        config = load_config(config_path)
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
    service.config_path = config_path  # reload (SIGHUP, <service>.reload) re-reads this same file
    spec = os.environ.get("KRYTEN_ECONOMY_CLOCK")
    service.clock = ScaledClock.from_spec(spec) if spec else SystemClock()
    if spec:
        log.warning("scaled_clock_in_use", spec=spec)
    try:
        return asyncio.run(serve(service))
    except KeyboardInterrupt:
        return 0
    except Exception as err:
        log.error("service_crashed", error=str(err) or repr(err))
        return 1
