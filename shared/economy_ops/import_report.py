"""Pure wording of ``import-original``'s report: what was imported, what was not, and why."""

from __future__ import annotations

from .import_models import Unmapped
from .importer import ChannelReport, ImportReport, PartReport

MAX_LINES = 40  # per list; the JSON output (--json) carries everything

_VERB = {"imported": "imported", "would_import": "would import", "already": "already imported",
         "conflict": "CONFLICT", "refused": "REFUSED"}


def _z(n: int) -> str:
    return f"{n:,} Z"


def _part_line(p: PartReport) -> str:
    if p.sent == 0:
        return f"  {p.part:<9} nothing to import"
    counts = ", ".join(f"{_VERB.get(s, s)} {n:,}" for s, n in sorted(p.counts.items()))
    line = f"  {p.part:<9} {p.sent:>7,} → {counts or 'no answer'}"
    if p.error:
        line += f"  — STOPPED: {p.error}"
    return line


def _unmapped_lines(items: list[Unmapped], indent: str) -> list[str]:
    lines = [f"{indent}{u.part}{' ' + u.ref if u.ref else ''}: {u.why}" for u in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"{indent}… and {len(items) - MAX_LINES:,} more (--json lists all)")
    return lines


def _channel(c: ChannelReport, offline: bool) -> list[str]:
    name = c.channel if c.original_channel == c.channel else f"{c.channel} (original {c.original_channel!r})"
    lines = [f"channel {name}: {c.accounts:,} accounts, {_z(c.total_z)} in opening balances"
             + (f", {_z(c.escrowed_z)} escrowed in open bounties" if c.escrowed_z else "")]
    if not offline:
        lines += [_part_line(p) for p in c.parts]
        notes = [(p.part, o) for p in c.parts for o in p.attention]
        if notes:
            lines.append("  needs a look:")
            for part, o in notes[:MAX_LINES]:
                why = "; ".join(([o.detail] if o.detail else []) + o.skipped)
                lines.append(f"    {part} {o.ref}: {_VERB.get(o.status, o.status)} — {why}")
            if len(notes) > MAX_LINES:
                lines.append(f"    … and {len(notes) - MAX_LINES:,} more (--json lists all)")
    if c.unmapped:
        lines.append("  notes (merged, handed back, or not carried over):")
        lines += _unmapped_lines(c.unmapped, "    ")
    return lines


def format_import(report: ImportReport) -> str:
    mode = " — DRY RUN, nothing written" if report.dry_run else ""
    lines = [f"import-original from {report.source}{mode}"]
    if report.offline:
        lines.append("services not reached: this is the plan only (nothing was checked against them)")
    for c in report.channels:
        lines += _channel(c, report.offline)
    if report.unmapped:
        lines.append("notes (whole file):")
        lines += _unmapped_lines(report.unmapped, "  ")
    accounts = sum(c.accounts for c in report.channels)
    total = sum(c.total_z for c in report.channels)
    escrow = sum(c.escrowed_z for c in report.channels)
    if report.offline:
        verdict = "plan only"
    elif report.complete:
        verdict = "complete" if not report.dry_run else "ready"
    else:
        verdict = "INCOMPLETE — fix what is listed above and run it again (nothing is imported twice)"
    lines.append(f"total: {accounts:,} accounts, {_z(total)}" + (f" + {_z(escrow)} escrowed" if escrow else "")
                 + f"; {verdict} in {report.seconds:.2f} s")
    return "\n".join(lines)
