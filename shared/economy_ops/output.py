"""Pure wording of the CLI's answers (no I/O): tables an operator reads at a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from economy_shared.schemas.ledger import AccountView, AuditResult, JournalEntry, RankResult
from economy_shared.survey import Survey


def _z(n: int) -> str:
    return f"{n:,} Z"


def format_status(found: Survey) -> str:
    lines = [f"{'SERVICE':<10} {'STATE':<9} {'VERSION':<10} PING"]
    for s in found.services:
        ping = f"{s.seconds * 1000:.0f} ms" if s.state != "down" else (s.error or "no answer")
        lines.append(f"{s.service:<10} {s.state:<9} {s.version or '-':<10} {ping}")
    tail = f"overall: {found.status}"
    if found.down:
        tail += f" (not up: {', '.join(found.down)})"
    return "\n".join([*lines, tail])


def format_audit(channel: str, result: AuditResult) -> str:
    head = (f"audit {channel}: {'ok' if result.ok else 'FAILED'} — {result.accounts_checked} accounts, "
            f"{result.journal_rows} journal rows, {_z(result.total_balance)} held by users")
    lines = [head]
    for m in result.mismatches[:20]:
        lines.append(f"  mismatch {m.get('user')}: balance {m.get('balance')} != journal {m.get('journal_sum')}")
    if len(result.mismatches) > 20:
        lines.append(f"  … and {len(result.mismatches) - 20} more mismatches")
    for user in result.negative[:20]:
        lines.append(f"  negative balance: {user}")
    return "\n".join(lines)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_user(channel: str, info: dict[str, Any]) -> str:
    account: AccountView = info["account"]
    rank: RankResult = info["rank"]
    journal: list[JournalEntry] = info["journal"]
    if not account.found:
        return f"{account.user} has no account in {channel}"
    next_rank = f"next {rank.next_rank} in {_z(rank.remaining)}" if rank.next_rank else "top rank"
    lines = [
        f"{account.user} in {channel}" + ("  [BANNED]" if info["banned"] else ""),
        f"  balance         {_z(account.balance)}",
        f"  rank            {rank.rank_name} ({next_rank})",
        f"  earned/spent    {_z(account.lifetime_earned)} / {_z(account.lifetime_spent)}",
        f"  gambled in/out  {_z(account.lifetime_gambled_in)} / {_z(account.lifetime_gambled_out)}",
        f"  tips sent/recv  {_z(account.tips_sent)} / {_z(account.tips_received)}",
        f"  banned          {'yes' if info['banned'] else 'no'}",
    ]
    if account.first_seen_ms:
        lines.append(f"  first seen      {_when(account.first_seen_ms)} UTC")
    lines.append(f"  journal (newest first, {len(journal)}):")
    for e in journal:
        extra = " ".join(x for x in (e.trigger_id or "", e.reason or "", f"↔ {e.related_user}" if e.related_user
                                     else "") if x)
        lines.append(f"    #{e.id:<7} {_when(e.created_ms)} {e.amount:>+10,} {e.kind:<10} {extra}".rstrip())
    return "\n".join(lines)


def format_pm(user: str, text: str, replies: list[str], wait: float) -> str:
    if not replies:
        return f"no reply to {user} within {wait:g}s for {text!r}"
    return "\n".join(f"→ {user}: {r}" for r in replies)


def format_backup(out_dir: str, manifest: dict[str, Any]) -> str:
    lines = [f"backup in {out_dir} ({manifest['created_at']})"]
    for service, entry in manifest["services"].items():
        if entry.get("file"):
            lines.append(f"  {service:<10} {entry['file']:<14} {entry['bytes']:>12,} bytes  schema "
                         f"v{entry['schema_version']}  {entry['quick_check']}")
        else:
            lines.append(f"  {service:<10} (no database at {entry['missing']})")
    return "\n".join(lines)
