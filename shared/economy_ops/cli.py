"""``kryten-economy``: the operator CLI (one console script, argparse subcommands).

Config from ``--config`` or ``$KRYTEN_ECONOMY_CONFIG`` (resolved like the services do); the NATS
servers from ``--nats``, else ``$NATS_URL``, else the config's ``nats.servers``. Exit codes:
0 ok, 1 the check failed (a service down, audit not ok, no such user, no reply), 2 bad usage or config,
3 NATS unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from economy_shared.config import ConfigError, EconomyConfig, load_config, resolve_config_path
from economy_shared.schemas.imports import IMPORT_BATCH_MAX
from economy_shared.subjects import SERVICE_NAMES, ServiceName
from economy_shared.survey import PING_TIMEOUT_SECONDS

from . import output
from .backup import BackupError, backup_all
from .import_command import run_import
from .importer import BATCH_TIMEOUT_SECONDS
from .remote import Remote, Unreachable
from .validate import config_errors

OK, FAILED, USAGE, UNREACHABLE = 0, 1, 2, 3


def _common(p: argparse.ArgumentParser, channel: bool = False) -> None:
    p.add_argument("--config", help="config file (default: $KRYTEN_ECONOMY_CONFIG)")
    p.add_argument("--nats", help="NATS server URL (default: $NATS_URL, else the config's nats.servers)")
    p.add_argument("--json", action="store_true", help="print the raw result as JSON")
    if channel:
        p.add_argument("--channel", help="channel (default: the config's first channel)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kryten-economy", description="operate the kryten-economy services")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    p = sub.add_parser("status", help="every service's ping: state, version, ready; exit 1 if any is down")
    _common(p)
    p.add_argument("--service", action="append", choices=SERVICE_NAMES, metavar="NAME",
                   help="check only this service (repeatable)")
    p.add_argument("--timeout", type=float, default=PING_TIMEOUT_SECONDS, help="seconds to wait per service")
    p = sub.add_parser("audit", help="the ledger's audit (balance == SUM(journal)); exit 1 when not ok")
    _common(p, channel=True)
    p = sub.add_parser("user", help="a user's balance, counters, rank, ban state and journal tail")
    _common(p, channel=True)
    p.add_argument("name")
    p.add_argument("--limit", type=int, default=10, help="journal rows to show (1-500)")
    p = sub.add_parser("pm", help="send a PM to the bot as kryten-robot would and print its replies")
    _common(p, channel=True)
    p.add_argument("user")
    p.add_argument("text", nargs="+")
    p.add_argument("--wait", type=float, default=3.0, help="seconds to collect replies")
    p = sub.add_parser("backup", help="online SQLite backup of every service database + manifest.json")
    _common(p)
    p.add_argument("dir", type=Path)
    p = sub.add_parser("import-original", help="take over the original kryten-economy's SQLite file: balances, "
                       "counters, ranks, streaks, achievements, vanity, bans, open bounties (README 'Moving in')")
    _common(p)
    p.add_argument("database", type=Path, help="the original's economy.db (only read)")
    p.add_argument("--channel", help="import only this channel (default: every channel of the file this config serves)")
    p.add_argument("--dry-run", action="store_true", help="ask the services what would happen; write nothing")
    p.add_argument("--batch", type=int, default=IMPORT_BATCH_MAX, help=f"entries per request (1-{IMPORT_BATCH_MAX})")
    p.add_argument("--timeout", type=float, default=BATCH_TIMEOUT_SECONDS,
                   help="seconds to wait for a service's answer to one batch (each batch is tried 3 times)")
    p = sub.add_parser("validate-config", help="check a config file as the services would; exit 0/1")
    p.add_argument("file")
    return parser


def nats_servers(args: argparse.Namespace, config: EconomyConfig, environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    if getattr(args, "nats", None):
        return [args.nats]
    if env.get("NATS_URL"):
        return [env["NATS_URL"]]
    return list(config.nats.servers)


def _channel(args: argparse.Namespace, config: EconomyConfig) -> str:
    return getattr(args, "channel", None) or config.channels[0].channel


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


async def _remote(args: argparse.Namespace, config: EconomyConfig) -> int:
    servers = nats_servers(args, config)
    channel = _channel(args, config)
    async with Remote(config, servers) as remote:
        if args.cmd == "status":
            names: list[ServiceName] = args.service or list(SERVICE_NAMES)
            found = await remote.status(channel, names, args.timeout)
            _emit(args, found.model_dump(), output.format_status(found))
            return OK if found.status == "healthy" else FAILED
        if args.cmd == "audit":
            result = await remote.audit(channel)
            _emit(args, result.model_dump(), output.format_audit(channel, result))
            return OK if result.ok else FAILED
        if args.cmd == "user":
            info = await remote.user(channel, args.name, args.limit)
            data = {k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in info.items()}
            data["journal"] = [e.model_dump() for e in info["journal"]]
            _emit(args, data, output.format_user(channel, info))
            return OK if info["account"].found else FAILED
        if args.cmd == "pm":
            text = " ".join(args.text)
            replies = await remote.pm(channel, args.user, text, args.wait)
            _emit(args, {"user": args.user, "text": text, "replies": replies},
                  output.format_pm(args.user, text, replies, args.wait))
            return OK if replies else FAILED
    raise AssertionError(args.cmd)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "validate-config":
        errors = config_errors(args.file)
        print("ok" if not errors else "\n".join(errors))
        return OK if not errors else FAILED
    try:
        config = load_config(resolve_config_path(args.config))
    except ConfigError as err:
        print(f"kryten-economy: {err}", file=sys.stderr)
        return USAGE
    if args.cmd == "user" and not 1 <= args.limit <= 500:
        print("kryten-economy: --limit must be between 1 and 500", file=sys.stderr)
        return USAGE
    if args.cmd == "import-original":
        if not 1 <= args.batch <= IMPORT_BATCH_MAX:
            print(f"kryten-economy: --batch must be between 1 and {IMPORT_BATCH_MAX}", file=sys.stderr)
            return USAGE
        if not 0 < args.timeout <= 600:
            print("kryten-economy: --timeout must be more than 0 and at most 600 seconds", file=sys.stderr)
            return USAGE
        return asyncio.run(run_import(args, config, nats_servers(args, config)))
    if args.cmd == "backup":
        try:
            manifest = backup_all(config, args.dir)
        except BackupError as err:
            print(f"kryten-economy: {err}", file=sys.stderr)
            return FAILED
        _emit(args, manifest, output.format_backup(str(args.dir), manifest))
        return OK
    try:
        return asyncio.run(_remote(args, config))
    except Unreachable as err:
        print(f"kryten-economy: {err}", file=sys.stderr)
        return UNREACHABLE
    except (RuntimeError, ValueError) as err:  # a ledger refusal, an unknown channel
        print(f"kryten-economy: {err}", file=sys.stderr)
        return FAILED
