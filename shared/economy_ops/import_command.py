"""``kryten-economy import-original <economy.db> [--channel C] [--dry-run]``: read, plan, send, report.

The original file is only read (a snapshot; the original may still be running). The services may be
running too: each part goes to its owner's own request, idempotent per account / bounty, so the command
can be run again after any failure and imports nothing twice. ``--dry-run`` asks the owners what would
happen (``dry_run: true``) and writes nothing; with NATS unreachable it prints the plan alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from economy_shared.config import EconomyConfig
from economy_shared.schemas.imports import SOURCE_DEFAULT

from .import_plan import plan_import
from .import_report import format_import
from .importer import ChannelReport, Importer, ImportReport
from .original_db import NotAnOriginalDatabase, read_original
from .remote import Remote, Unreachable

OK, FAILED, USAGE, UNREACHABLE = 0, 1, 2, 3


def _print(args: argparse.Namespace, report: ImportReport) -> None:
    if args.json:
        data = report.model_dump()
        data["complete"] = report.complete
        print(json.dumps(data, indent=2, default=str))
    else:
        print(format_import(report))


async def run_import(args: argparse.Namespace, config: EconomyConfig, servers: list[str]) -> int:
    try:
        dump = read_original(args.database)
    except (NotAnOriginalDatabase, OSError) as err:
        print(f"kryten-economy: {err}", file=sys.stderr)
        return USAGE
    source = f"{SOURCE_DEFAULT} ({args.database.name})"
    try:
        plan = plan_import(dump, [c.channel for c in config.channels], args.channel,
                           int(time.time() * 1000), source)
    except ValueError as err:
        print(f"kryten-economy: {err}", file=sys.stderr)
        return USAGE
    try:
        async with Remote(config, servers) as remote:
            report = await Importer(remote.ask, batch_size=args.batch, timeout=args.timeout).run(plan, args.dry_run)
    except Unreachable as err:
        if not args.dry_run:
            print(f"kryten-economy: {err}", file=sys.stderr)
            return UNREACHABLE
        report = ImportReport(source=plan.source, dry_run=True, offline=True, unmapped=list(plan.unmapped),
                              channels=[ChannelReport(channel=c.channel, original_channel=c.original_channel,
                                                      accounts=len(c.accounts), total_z=c.total_z,
                                                      escrowed_z=c.escrowed_z, unmapped=list(c.unmapped))
                                        for c in plan.channels])
    _print(args, report)
    return OK if report.complete else FAILED
