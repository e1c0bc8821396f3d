"""What ``import-original`` sends, per channel, from an :class:`OriginalDump` (pure: no I/O, time a parameter).

The rules (issue 14; the entry models' docstrings in ``economy_shared.schemas.imports``):

- channels are matched to the served ones case-insensitively; one not served is reported, not imported;
- a user is the case-folded name (DECISIONS 1): rows differing only in case are merged and reported;
- money the original took for something still open that is not carried as such (a pending challenge's
  wager, a pending force-play or an extra pending GIF) is handed back in the opening balance, so no Z is
  lost; open bounties are carried (escrowed again by the ledger), a pending GIF waits for an admin here;
- everything not carried gets one line saying how much and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from pydantic import ValidationError

from economy_shared.channels import ChannelDirectory, channel_key
from economy_shared.schemas.imports import ImportedBounty
from economy_shared.users import user_key

from .import_models import ChannelPlan, ImportPlan, Unmapped
from .import_plan_people import (
    Person,
    build_account,
    build_member,
    build_vanity,
    hand_backs,
    name_problem,
    short_error,
)
from .original_models import OriginalDump, TableCount

DESCRIPTION_MAX = 2000

# not-carried tables → (report part, wording with {n})
NOT_CARRIED_WORDING: dict[str, tuple[str, str]] = {
    "transactions": ("history", "{n} transactions are not copied; each account starts with one opening posting"),
    "tip_history": ("history", "{n} tips are summed into tips_sent / tips_received; the rows are not copied"),
    "queue_spend_requests": ("history", "{n} paid queue requests are not copied: a refund asked of the original "
                                        "for one of them cannot be honoured here"),
    "daily_activity": ("activity", "{n} daily activity rows (today's included) are not copied; daily counts and "
                                   "caps start afresh"),
    "hourly_milestones": ("activity", "{n} hourly milestone rows are not copied; today's milestones can be "
                                      "earned again"),
    "trigger_cooldowns": ("cooldowns", "{n} trigger cooldowns are not copied; they start afresh"),
    "trigger_analytics": ("stats", "{n} trigger analytics rows are not copied"),
    "gambling_stats": ("stats", "{n} gambling stats rows (games played, biggest win/loss) are not copied; "
                                "lifetime gambled in/out are carried on the accounts"),
    "race_results": ("stats", "{n} race results are not copied"),
    "race_bets": ("stats", "{n} settled race bets are not copied"),
    "trivia_stats": ("stats", "{n} trivia stats rows are not copied"),
    "blackjack_stats": ("stats", "{n} blackjack stats rows are not copied"),
    "economy_snapshots": ("snapshots", "{n} economy snapshots are not copied"),
    "service_metrics": ("stats", "{n} service metric counters are not copied"),
    "bounties (closed)": ("bounty", "{n} closed bounties (claimed, cancelled or expired) are not copied"),
    "pending_challenges (settled)": ("challenge", "{n} settled challenges are not copied"),
    "pending_approvals (resolved)": ("approval", "{n} resolved approvals are not copied"),
    "vanity_items (inactive)": ("vanity", "{n} inactive vanity items are not copied"),
    "streaks (weekly bridge flags)": ("streak", "{n} users' weekday/weekend bridge progress is not copied; "
                                                "it restarts with this week"),
}
GAMES_IN_MEMORY = ("stakes of a race, heist, blackjack or trivia game in progress live only in the running "
                   "original's memory: stop the original between games before importing")


class _InChannel(Protocol):
    channel: str


_Row = TypeVar("_Row", bound=_InChannel)


def plan_import(dump: OriginalDump, served_channels: list[str], only_channel: str | None, now_ms: int,
                source: str) -> ImportPlan:
    """The whole plan. Raises ValueError when ``only_channel`` is not in the original or not served here."""
    served = ChannelDirectory(served_channels)
    spellings: dict[str, list[str]] = {}
    for ch in dump.channels() + [c.channel for c in dump.not_carried if c.channel]:
        names = spellings.setdefault(channel_key(ch), [])
        if ch not in names:
            names.append(ch)
    if only_channel is not None:
        if channel_key(only_channel) not in spellings:
            have = ", ".join(sorted(n[0] for n in spellings.values())) or "none"
            raise ValueError(f"channel {only_channel!r} is not in the original database (it has: {have})")
        if served.known(only_channel) is None:
            raise ValueError(f"channel {only_channel!r} is not one of the channels served here "
                             f"({', '.join(served) or 'none configured'})")
    plan = ImportPlan(source=source)
    for key, names in spellings.items():
        label = " / ".join(names)
        if only_channel is not None and key != channel_key(only_channel):
            plan.unmapped.append(Unmapped(part="channel", ref=label, why=f"skipped: only {only_channel} was asked for"))
            continue
        target = served.known(names[0])
        if target is None:
            accounts = [a for a in dump.accounts if channel_key(a.channel) == key]
            z = sum(max(0, a.balance) for a in accounts)
            plan.unmapped.append(Unmapped(
                part="channel", ref=label,
                why=f"not served here ({', '.join(served) or 'no channels configured'}): "
                    f"{len(accounts)} accounts holding {z:,} Z not imported"))
            continue
        plan.channels.append(plan_channel(dump, key, names, target, now_ms))
    for count in dump.not_carried:
        if not count.channel:
            plan.unmapped.append(not_carried_note(count))
    plan.unmapped.append(Unmapped(part="games", ref="", why=GAMES_IN_MEMORY))
    return plan


def not_carried_note(count: TableCount) -> Unmapped:
    part, wording = NOT_CARRIED_WORDING.get(count.table, ("other", "{n} " + count.table + " rows are not copied"))
    return Unmapped(part=part, ref=count.channel, why=wording.format(n=f"{count.rows:,}"))


def gather_people(dump: OriginalDump, key: str) -> dict[str, Person]:
    """Every user of channel ``key``, by case-folded name."""
    people: dict[str, Person] = {}

    def take(rows: Iterable[_Row], owner: Callable[[_Row], str], bucket: Callable[[Person], list[_Row]]) -> None:
        """The table's rows of this channel into their owner's ``bucket`` (spellings in the order seen)."""
        for row in rows:
            if channel_key(row.channel) == key:
                name = owner(row)
                p = people.setdefault(user_key(name), Person(key=user_key(name)))
                p.saw(name)
                bucket(p).append(row)

    take(dump.accounts, lambda a: a.username, lambda p: p.accounts)
    take(dump.streaks, lambda s: s.username, lambda p: p.streaks)
    take(dump.achievements, lambda a: a.username, lambda p: p.achievements)
    take(dump.vanity_items, lambda v: v.username, lambda p: p.vanity)
    take(dump.bans, lambda b: b.username, lambda p: p.bans)
    take(dump.approvals, lambda a: a.username, lambda p: p.approvals)
    take(dump.tips, lambda t: t.username, lambda p: p.tips)
    take(dump.challenges, lambda c: c.challenger, lambda p: p.challenges)  # pending, as the challenger
    return people


def plan_channel(dump: OriginalDump, key: str, names: list[str], target: str, now_ms: int) -> ChannelPlan:
    cp = ChannelPlan(channel=target, original_channel=names[0])
    if len(names) > 1:
        cp.unmapped.append(Unmapped(
            part="channel", ref=target,
            why=f"the original spells this channel {len(names)} ways ({', '.join(names)}): merged"))
    people = gather_people(dump, key)
    for ukey in sorted(people):
        p = people[ukey]
        problem = name_problem(p.display)
        if problem is not None:
            cp.unmapped.append(_unmapped_person(p, problem))
            continue
        if (account := build_account(p, cp.unmapped)) is not None:
            cp.accounts.append(account)
        if (member := build_member(p, cp.unmapped)) is not None:
            cp.members.append(member)
        if (vanity := build_vanity(p, cp.unmapped)) is not None:
            cp.vanity.append(vanity)
    for bounty in sorted((b for b in dump.bounties if channel_key(b.channel) == key), key=lambda b: b.id):
        creator = people.get(user_key(bounty.creator))
        display = creator.display if creator else bounty.creator.strip()
        problem = name_problem(display)
        if problem is not None:
            cp.unmapped.append(Unmapped(part="bounty", ref=f"#{bounty.id}",
                                        why=f"creator {display!r}: {problem}; its {bounty.amount:,} Z not imported"))
            continue
        if bounty.amount < 1:
            cp.unmapped.append(Unmapped(part="bounty", ref=f"#{bounty.id}", why="no amount: nothing to escrow"))
            continue
        description = bounty.description.strip()
        if len(description) > DESCRIPTION_MAX:
            cp.unmapped.append(Unmapped(part="bounty", ref=f"#{bounty.id}",
                                        why=f"description shortened to {DESCRIPTION_MAX} characters"))
            description = description[:DESCRIPTION_MAX]
        if bounty.expires_ms is not None and bounty.expires_ms <= now_ms:
            cp.unmapped.append(Unmapped(part="bounty", ref=f"#{bounty.id}",
                                        why="had expired in the original but was not yet swept: it expires here "
                                            "at the next sweep, under this project's rules"))
        try:
            cp.bounties.append(ImportedBounty(
                original_id=bounty.id, creator=display, description=description, amount=bounty.amount,
                created_ms=bounty.created_ms if bounty.created_ms is not None else now_ms,
                expires_ms=bounty.expires_ms))
        except ValidationError as exc:
            cp.unmapped.append(Unmapped(part="bounty", ref=f"#{bounty.id}",
                                        why=f"not importable ({short_error(exc)}): {bounty.amount:,} Z not imported"))
    cp.unmapped.extend(not_carried_note(c) for c in dump.not_carried if c.channel and channel_key(c.channel) == key)
    return cp


def _unmapped_person(p: Person, problem: str) -> Unmapped:
    z = p.balance + sum(h.amount for h in hand_backs(p))
    extra = []
    if p.achievements:
        extra.append(f"{len(p.achievements)} achievements")
    if any(v.active for v in p.vanity):
        extra.append("vanity items")
    if any(s.current or s.longest for s in p.streaks):
        extra.append("streak")
    tail = f" (nor {', '.join(extra)})" if extra else ""
    shown = p.display or (p.spellings[0] if p.spellings else "")
    return Unmapped(part="account", ref=shown, why=f"{problem}: balance {z:,} Z not imported{tail}")
