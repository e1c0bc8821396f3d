"""The ``rewards`` guide (pure): every way to earn, generated from the config so the text always matches
what is paid. The PM wording of ``like`` and ``econ:triggers`` is in the top-level ``commands.py``."""

from __future__ import annotations

from decimal import Decimal

from economy_shared.config import EconomyConfig
from economy_shared.config.triggers import Trigger

TEASER = "🔮 Some ways to earn are secret. Experiment to find them!"


def _num(x: float | int) -> str:
    return format(Decimal(str(x)).normalize(), "f")


def trigger_label(trigger_id: str, t: Trigger, cfg: EconomyConfig) -> str:
    """One line per trigger, built from its settings so the text always matches what it pays."""
    s, bot = cfg.currency.symbol, cfg.bot.username
    a = t.model_dump()
    labels = {
        "chat.long_message": "Long messages ({min_chars}+ characters): {reward} {s} each, up to {max_per_hour} an hour",
        "chat.laugh_received": "Make people laugh: {reward_per_laugher} {s} per laugher, up to "
        "{max_laughers_per_joke} per joke",
        "chat.kudos_received": "Get kudos (yourname++): {reward} {s}, up to {max_per_hour_same_pair} an hour "
        "from the same person",
        "chat.first_message_of_day": "Your first message of the day: {reward} {s}",
        "chat.conversation_starter": "Break a {min_silence_minutes}-minute silence: {reward} {s}",
        "content.first_after_media_change": "First comment within {window_seconds}s of a new item: {reward} {s}",
        "content.comment_during_media": "Chat while something plays: {rate} {s} per message, up to "
        "{max_per_item_base} messages per item{longer}",
        "content.like_current": "Like what's playing (PM 'like'): {reward} {s}, once per item",
        "content.survived_full_media": "Watch an item from its start to {min_presence_percent}% through: {reward} {s}",
        "social.greeted_newcomer": "Greet a newcomer by name within {window_seconds}s: {reward} {s}",
        "social.mentioned_by_other": "Get mentioned by name: {reward} {s}, up to {max_per_hour_same_user} an hour "
        "from the same person",
        "social.bot_interaction": "Chat with {bot}: {reward} {s} per reply, up to {max_per_day} a day",
    }
    template = labels.get(trigger_id)
    if template is None:
        return trigger_id
    extra = {
        "s": s, "bot": bot, "rate": _num(a.get("reward_per_message", 0)),
        "longer": " (more for long items)" if a.get("scale_with_duration") else "",
    }
    return template.format(**a, **extra)


def all_triggers(cfg: EconomyConfig) -> dict[str, Trigger]:
    return {**cfg.chat_triggers.all_triggers(), **cfg.content_triggers.all_triggers(),
            **cfg.social_triggers.all_triggers()}


def rewards_text(cfg: EconomyConfig) -> str:
    s = cfg.currency.symbol
    p = cfg.presence
    lines = [f"💰 Ways to earn {cfg.currency.plural}:"]
    if p.base_rate_per_minute > 0:
        bonus = f" (+{_num(p.active_bonus_per_minute)} when not AFK)" if p.active_bonus_per_minute > 0 else ""
        lines.append(f"📍 Being here: {_num(p.base_rate_per_minute)} {s}/min{bonus}")
    if p.hourly_milestones:
        steps = ", ".join(f"{h}h = {z} {s}" for h, z in p.hourly_milestones.items())
        lines.append(f"⏰ Staying a while: {steps}")
    if cfg.streaks.daily.enabled and cfg.streaks.daily.rewards:
        top = max(cfg.streaks.daily.rewards.values())
        lines.append(f"🔥 Daily streaks: come back every day for a bonus of up to {top} {s}")
    bridge = cfg.streaks.weekend_weekday_bridge
    if bridge.enabled and bridge.bonus > 0:
        lines.append(f"🌉 Weekend + weekday bridge: {bridge.bonus} {s} a week")
    if cfg.rain.enabled:
        lines.append("☔ Surprise rain for everyone here")
    secret = False
    for tid, t in all_triggers(cfg).items():
        if not t.enabled:
            continue
        if t.hidden:
            secret = True
            continue
        lines.append(f"• {trigger_label(tid, t, cfg)}")
    if secret:
        lines.append(TEASER)
    return "\n".join(lines)
