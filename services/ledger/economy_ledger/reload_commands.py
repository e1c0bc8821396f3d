"""The admin PM word ``reload`` (DECISIONS 25): parse, call ``ConfigReload``, word the reply.

Each line stays within 240 characters (the outbox splits replies on lines): lists too long for a
line end with "+N more".
"""

from __future__ import annotations

from economy_shared.envelope import ServiceError
from economy_shared.pm.catalog import mark_live
from economy_shared.pm.router import PmContext, PmRouter
from economy_shared.runtime.reload import one_line
from economy_shared.schemas.reload import ReloadSummary

from .config_reload import ConfigReload

mark_live("reload")

LINE = 240


def listed(label: str, items: list[str], limit: int = LINE) -> str:
    """``label`` + comma-separated ``items``, cut to ``limit`` characters with "+N more"."""
    line = label
    for i, item in enumerate(items):
        piece = (", " if i else "") + item
        rest = len(items) - i - 1
        tail = f", +{rest} more" if rest else ""
        if len(line) + len(piece) + len(tail) > limit:
            return line + f"{', ' if i else ''}+{len(items) - i} more"
        line += piece
    return line


def refused_text(reason: str) -> str:
    label = "❌ Config not reloaded, nothing changed: "
    return label + one_line(reason, LINE - len(label))


def summary_text(s: ReloadSummary) -> str:
    lines = [listed("✅ Config reloaded by ", s.applied) if s.applied else "⚠️ No service reloaded the config."]
    if s.not_answered:
        lines.append(listed("No answer (still on the old config): ", s.not_answered))
    for name, reason in sorted(s.refused.items()):
        label = f"{name} refused (still on the old config): "
        lines.append(label + one_line(reason, LINE - len(label)))
    if s.changed_keys:
        lines.append(listed("Changed: ", s.changed_keys))
    elif s.applied:
        lines.append("No setting changed.")
    if s.restart_needed:
        lines.append(listed("Needs a restart (old values kept): ", s.restart_needed))
    return "\n".join(lines)


def register(pm: PmRouter, reload: ConfigReload) -> None:
    @pm.command("reload")
    async def reload_cmd(ctx: PmContext) -> str:
        if ctx.args:
            return "Usage: reload  (re-reads the config file in every service)"
        try:
            summary = await reload.reload(ctx.channel, ctx.user)
        except ServiceError as err:
            return refused_text(err.message)
        return summary_text(summary)
