"""One original user in one channel, merged across name casings, turned into import entries (pure).

Identity is the case-folded name (DECISIONS 1): the original keyed its rows by the exact spelling, so
"Alice" and "alice" may be two accounts there; here they are one, summed. Used by ``import_plan``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from economy_shared.schemas.imports import (
    ImportedAccount,
    ImportedAchievement,
    ImportedMember,
    ImportedPendingGif,
    ImportedVanity,
)
from economy_shared.schemas.ledger import SYSTEM_PREFIX

from .import_models import Unmapped
from .original_models import (
    OrigAccount,
    OrigAchievement,
    OrigApproval,
    OrigBan,
    OrigChallenge,
    OrigStreak,
    OrigTipSum,
    OrigVanityItem,
    parse_day,
)

NAME_MAX = 64
RANK_MAX = 80
ACHIEVEMENT_ID_MAX = 80
ACHIEVEMENTS_MAX = 500
BAN_REASON_MAX = 200
GIF_URL_MAX = 2000
# the original's vanity item types → ImportedVanity fields
ITEM_FIELDS = {
    "custom_greeting": "greeting",
    "custom_title": "title",
    "chat_color": "color",
    "channel_gif": "gif_url",
    "personal_currency_name": "currency_name",
}
# the accounts columns older versions kept the same items in (the fallback)
ACCOUNT_FIELDS = {
    "custom_greeting": "greeting",
    "custom_title": "title",
    "chat_color": "color",
    "personal_currency_name": "currency_name",
}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user here (None: it can). ``UserName`` strips and allows 1..64 chars."""
    text = name.strip()
    if not text:
        return "the name is empty"
    if len(text) > NAME_MAX:
        return f"the name is longer than {NAME_MAX} characters"
    if text.startswith(SYSTEM_PREFIX):
        return f"names starting with {SYSTEM_PREFIX!r} are reserved for system accounts here"
    return None


def short_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))


@dataclass
class Person:
    """Everything one (channel, case-folded name) has in the original."""

    key: str
    spellings: list[str] = field(default_factory=list)  # first-seen order, as the rows spell it
    accounts: list[OrigAccount] = field(default_factory=list)
    streaks: list[OrigStreak] = field(default_factory=list)
    achievements: list[OrigAchievement] = field(default_factory=list)
    vanity: list[OrigVanityItem] = field(default_factory=list)
    bans: list[OrigBan] = field(default_factory=list)
    approvals: list[OrigApproval] = field(default_factory=list)
    tips: list[OrigTipSum] = field(default_factory=list)
    challenges: list[OrigChallenge] = field(default_factory=list)  # pending, as the challenger

    def saw(self, name: str) -> None:
        if name not in self.spellings:
            self.spellings.append(name)

    @property
    def display(self) -> str:
        """The most recently seen spelling of an account row (else the first spelling seen), stripped."""
        if self.accounts:
            latest = max(self.accounts, key=lambda a: (a.last_seen_ms or 0, a.last_active_ms or 0, a.balance))
            return latest.username.strip()
        return self.spellings[0].strip() if self.spellings else ""

    @property
    def balance(self) -> int:
        return sum(max(0, a.balance) for a in self.accounts)


@dataclass
class HandBack:
    """Money the original took from this user for something still open that is not carried as such."""

    amount: int
    what: str


def gif_url(approval: OrigApproval) -> str | None:
    """The URL in a channel_gif approval's data (JSON ``{"gif_url": ...}``; a bare URL in odd rows)."""
    text = approval.data.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    url = data.get("gif_url") if isinstance(data, dict) else data
    if not isinstance(url, str) or not url.strip() or len(url.strip()) > GIF_URL_MAX:
        return None
    return url.strip()


def pending_gifs(p: Person) -> list[OrigApproval]:
    """The user's pending channel GIFs, newest first (only the newest can wait for an admin here)."""
    rows = [a for a in p.approvals if a.status == "pending" and a.type == "channel_gif"]
    return sorted(rows, key=lambda a: (a.created_ms or 0, a.id), reverse=True)


def hand_backs(p: Person) -> list[HandBack]:
    """Stakes and costs taken while something was open, handed back in the opening balance."""
    out = [HandBack(c.wager, f"challenge #{c.id} to {c.target.strip()} still pending: its wager")
           for c in p.challenges if c.wager > 0]
    gifs = pending_gifs(p)
    for extra in gifs[1:]:
        out.append(HandBack(extra.cost, f"an older pending channel GIF (approval #{extra.id}): its cost"))
    if gifs and gif_url(gifs[0]) is None:
        out.append(HandBack(gifs[0].cost, f"pending channel GIF (approval #{gifs[0].id}) without a URL: its cost"))
    for a in p.approvals:
        if a.status == "pending" and a.type != "channel_gif" and a.cost > 0:
            out.append(HandBack(a.cost, f"{a.type} request (approval #{a.id}) still awaiting an admin: its cost"))
    return [h for h in out if h.amount > 0]


def build_account(p: Person, notes: list[Unmapped]) -> ImportedAccount | None:
    """The ledger entry: summed balances and counters, plus the money handed back; None if nothing to send."""
    backs = hand_backs(p)
    if not (p.accounts or p.bans or p.achievements or backs):
        return None
    display = p.display
    for a in p.accounts:
        if a.balance < 0:
            notes.append(Unmapped(part="account", ref=display,
                                  why=f"{a.username!r} had a negative balance ({a.balance} Z): counted as 0"))
    names = [a.username for a in p.accounts]
    if len(names) > 1:
        detail = ", ".join(f"{a.username!r} {a.balance} Z" for a in p.accounts)
        notes.append(Unmapped(part="merge", ref=display,
                              why=f"{len(names)} original accounts differing only in letter case merged into one "
                                  f"({detail}); balances and counters summed"))
    returned = sum(h.amount for h in backs)
    for h in backs:
        notes.append(Unmapped(part="in_flight", ref=display,
                              why=f"{h.what} ({h.amount} Z) is added to the opening balance"))
    spent = sum(max(0, a.lifetime_spent) for a in p.accounts)
    ranked = max(p.accounts, key=lambda a: max(0, a.lifetime_earned), default=None)
    rank = (ranked.rank_name or "").strip() if ranked else ""
    if len(rank) > RANK_MAX:
        notes.append(Unmapped(part="rank", ref=display, why=f"rank name longer than {RANK_MAX} characters dropped"))
        rank = ""
    reason = next((b.reason.strip() for b in p.bans if b.reason.strip()), "")
    first = [a.first_seen_ms for a in p.accounts if a.first_seen_ms is not None]
    try:
        return ImportedAccount(
            user=display,
            balance=p.balance + returned,
            lifetime_earned=sum(max(0, a.lifetime_earned) for a in p.accounts),
            # a hand-back reverses the spend it returns, as the original's own refund does (DECISIONS 5)
            lifetime_spent=max(0, spent - returned),
            lifetime_gambled_in=sum(max(0, a.lifetime_gambled_in) for a in p.accounts),
            lifetime_gambled_out=sum(max(0, a.lifetime_gambled_out) for a in p.accounts),
            tips_sent=sum(max(0, t.sent) for t in p.tips),
            tips_received=sum(max(0, t.received) for t in p.tips),
            rank_name=rank or None,
            banned=bool(p.bans) or any(a.economy_banned for a in p.accounts),
            ban_reason=reason[:BAN_REASON_MAX],
            first_seen_ms=min(first) if first else None,
            achievements=_achievements(p, display, notes),
        )
    except ValidationError as exc:
        notes.append(Unmapped(part="account", ref=display,
                              why=f"not importable ({short_error(exc)}): {p.balance + returned} Z not imported"))
        return None


def _achievements(p: Person, display: str, notes: list[Unmapped]) -> list[ImportedAchievement]:
    earliest: dict[str, int | None] = {}
    for a in p.achievements:
        aid = a.achievement_id.strip()
        if not aid or len(aid) > ACHIEVEMENT_ID_MAX:
            notes.append(Unmapped(part="achievement", ref=display,
                                  why=f"achievement id {aid[:40]!r}… is not valid here"))
            continue
        if aid not in earliest:
            earliest[aid] = a.awarded_ms
        elif a.awarded_ms is not None:
            prior = earliest[aid]
            earliest[aid] = a.awarded_ms if prior is None else min(prior, a.awarded_ms)
    ordered = sorted(earliest.items(), key=lambda kv: (kv[1] or 0, kv[0]))
    items = [ImportedAchievement(id=k, awarded_ms=v) for k, v in ordered]
    if len(items) > ACHIEVEMENTS_MAX:
        dropped = len(items) - ACHIEVEMENTS_MAX
        notes.append(Unmapped(part="achievement", ref=display,
                              why=f"{dropped} achievements beyond {ACHIEVEMENTS_MAX} not carried"))
        items = items[:ACHIEVEMENTS_MAX]
    return items


def build_member(p: Person, notes: list[Unmapped]) -> ImportedMember | None:
    """Presence's entry: the streak of the most recent row (longest: the best of them), the welcome wallet."""
    welcome = any(a.welcome_wallet_claimed for a in p.accounts)
    latest = max(p.streaks, key=lambda s: (parse_day(s.last_date) or "", s.current), default=None)
    current = max(0, latest.current) if latest else 0
    longest = max([max(0, s.longest) for s in p.streaks] + [current])
    day = parse_day(latest.last_date) if latest else None
    if latest and latest.last_date and day is None:
        notes.append(Unmapped(part="streak", ref=p.display,
                              why=f"last streak date {latest.last_date!r} unreadable: dropped"))
    if not (current or longest or day or welcome):
        return None
    try:
        return ImportedMember(user=p.display, current_streak=current, longest_streak=longest,
                              last_streak_day=day, welcome_claimed=welcome)
    except ValidationError as exc:
        notes.append(Unmapped(part="streak", ref=p.display, why=f"not importable ({short_error(exc)})"))
        return None


def build_vanity(p: Person, notes: list[Unmapped]) -> ImportedVanity | None:
    """The announcer's entry: active items (newest per type), else the old accounts columns; GIFs from approvals."""
    display = p.display
    values: dict[str, str | None] = {f: None for f in ITEM_FIELDS.values()}
    stamped: dict[str, tuple[int, int]] = {}
    unknown: dict[str, str] = {}
    for item in p.vanity:
        if not item.active or not item.value.strip():
            continue
        field_name = ITEM_FIELDS.get(item.item_type)
        if field_name is None:
            unknown.setdefault(item.item_type, item.value)
            continue
        stamp = (item.purchased_ms or 0, item.row_id)
        if field_name not in stamped or stamp > stamped[field_name]:
            values[field_name], stamped[field_name] = item.value.strip(), stamp
    for a in p.approvals:  # 0.16 approves a GIF in pending_approvals only
        url = gif_url(a) if a.status == "approved" and a.type == "channel_gif" else None
        stamp = (a.resolved_ms or a.created_ms or 0, 0)
        if url and ("gif_url" not in stamped or stamp > stamped["gif_url"]):
            values["gif_url"], stamped["gif_url"] = url, stamp
    by_recency = sorted(p.accounts, key=lambda a: (a.last_seen_ms or 0, a.last_active_ms or 0), reverse=True)
    for column, field_name in ACCOUNT_FIELDS.items():
        if values[field_name] is None:
            values[field_name] = next((str(getattr(a, column)).strip() for a in by_recency
                                       if (getattr(a, column) or "").strip()), None)
    if values["gif_url"] is None:
        values["gif_url"] = next((a.channel_gif_url.strip() for a in by_recency
                                  if a.channel_gif_approved and (a.channel_gif_url or "").strip()), None)
    for item_type, value in sorted(unknown.items()):
        notes.append(Unmapped(part="vanity", ref=display,
                              why=f"vanity item {item_type!r} ({value[:40]!r}) has no counterpart here"))
    pending = None
    gifs = pending_gifs(p)
    if gifs and (url := gif_url(gifs[0])) is not None:
        try:
            pending = ImportedPendingGif(url=url, cost=max(0, gifs[0].cost), created_ms=gifs[0].created_ms)
        except ValidationError as exc:
            notes.append(Unmapped(part="vanity", ref=display, why=f"pending GIF not importable ({short_error(exc)})"))
    quiet = any(a.quiet_mode for a in p.accounts)
    if not (any(values.values()) or quiet or pending):
        return None
    try:
        return ImportedVanity(user=display, quiet=quiet, pending_gif=pending, **values)
    except ValidationError:
        pass
    for field_name, value in list(values.items()):  # drop only the fields that do not fit
        try:
            ImportedVanity(user=display, **{field_name: value})
        except ValidationError as exc:
            notes.append(Unmapped(part="vanity", ref=display, why=f"{field_name} not importable ({short_error(exc)})"))
            values[field_name] = None
    return ImportedVanity(user=display, quiet=quiet, pending_gif=pending, **values)
