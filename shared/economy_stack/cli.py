"""``kryten-economy-stack`` / ``python -m economy_stack`` / ``make run``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

from economy_shared.config import ConfigError, load_config, resolve_config_path
from economy_shared.subjects import ServiceName

from .processes import NatsServer, ServiceProcess, wait_ready
from .services import START_ORDER, available_services
from .supervisor import RestartPolicy, Supervisor

POLL_SECONDS = 0.5


async def _run(config_path: Path, names: list[ServiceName], policy: RestartPolicy) -> int:
    config = load_config(config_path)
    nats: NatsServer | None = None
    env: dict[str, str] = {}
    if not os.environ.get("NATS_URL"):
        store = Path(config.database.directory) / "nats"
        store.mkdir(parents=True, exist_ok=True)
        nats = NatsServer(port=4222, store_dir=str(store)).start()
        env["NATS_URL"] = nats.url
        config = load_config(config_path, {**os.environ, **env})
        print(f"stack: bundled nats-server on {nats.url} (JetStream, store {store})", flush=True)
    procs = [ServiceProcess(n, config_path, env).start() for n in names]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if not await _ready(config.nats.servers, [(c.domain, c.channel) for c in config.channels], names):
            return 1
        print(f"stack: ready — {', '.join(names)} on {config.nats.servers[0]}. Ctrl-C stops.", flush=True)
        supervisor = Supervisor(list(procs), policy)
        while not stop.is_set():
            if not supervisor.check():
                return 1
            try:
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
        return 0
    finally:
        print("stack: stopping", flush=True)
        for p in reversed(procs):
            p.stop()
        if nats is not None:
            nats.stop()


async def _ready(servers: list[str], channels: list[tuple[str, str]], names: list[ServiceName]) -> bool:
    """Wait until every service answers ``system.ping`` ready, through a short-lived probe client."""
    from kryten import KrytenClient

    probe = KrytenClient({"nats": {"servers": servers, "max_reconnect_attempts": 5},
                          "channels": [{"domain": d, "channel": c} for d, c in channels], "log_level": "ERROR"})
    try:
        await asyncio.wait_for(probe.connect(), 15)
        await wait_ready(probe, names)
        return True
    except Exception as err:  # TimeoutError (a service never became ready), KrytenConnectionError
        print(f"stack: not ready: {err}", file=sys.stderr, flush=True)
        return False
    finally:
        try:
            await probe.disconnect()
        except Exception:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kryten-economy-stack", description="run every economy service locally")
    parser.add_argument("--config", help="config file (default: $KRYTEN_ECONOMY_CONFIG)")
    parser.add_argument("--service", action="append", choices=START_ORDER, metavar="NAME",
                        help="start only this service (repeatable; default: every installed one)")
    args = parser.parse_args(argv)
    try:
        path = resolve_config_path(args.config)
        load_config(path)
    except ConfigError as err:
        print(f"kryten-economy-stack: {err}", file=sys.stderr)
        return 2
    installed = available_services()
    names = [n for n in installed if not args.service or n in args.service]
    missing = sorted(set(args.service or ()) - set(installed))
    if missing:
        print(f"kryten-economy-stack: not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    return asyncio.run(_run(path, names, RestartPolicy()))
