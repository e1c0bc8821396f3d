"""Simulated users and their habits, drawn from a seeded RNG (same seed, same population).

Three presence profiles shape the crowd: lurkers (long hours, little chat), regulars and drop-ins.
Every habit is a plain number the world reads; nothing here touches money.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

GAMES = ("spin", "flip", "challenge")
VANITY = ("greeting", "title", "color", "gif", "rename")

# (share of the crowd, visit chance per day, hours per visit (low, high), chat messages per active hour (low, high))
PROFILES: dict[str, tuple[float, tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "lurker": (0.20, (0.6, 0.95), (4.0, 12.0), (0.0, 3.0)),
    "regular": (0.45, (0.5, 0.9), (1.0, 4.0), (4.0, 25.0)),
    "drop_in": (0.35, (0.1, 0.4), (0.2, 1.5), (1.0, 12.0)),
}


@dataclass(frozen=True)
class Habits:
    name: str
    profile: str
    visit_chance: float  # chance of showing up on a given UTC day
    hours: float  # mean hours present per visiting day
    peak_hour: int  # UTC hour their visit is centred on
    afk_share: float  # share of present time spent idle (AFK: base rate only)
    chat_per_hour: float  # messages per active hour
    long_share: float  # share of messages of at least long_message.min_chars
    laugh_share: float  # share of messages that are laughs
    kudos_share: float  # share of messages giving someone kudos (name++)
    mention_share: float  # share of messages naming another present user
    gif_share: float  # share of messages with a GIF
    emotes_per_day: int  # distinct emotes used on a chatty day
    gamble_chance: float  # chance of gambling on a visiting day
    plays_per_session: int  # paid games per gambling day
    wager_share: float  # wager as a share of the balance (clamped to the game's bounds)
    games: tuple[float, float, float]  # preference weights over GAMES
    free_spin: bool  # takes the daily free spin when present
    queue_chance: float  # chance per visiting day of wanting to queue something
    vanity_wishes: tuple[str, ...]  # one-off items they will buy when they can afford them twice over
    fortune_chance: float  # chance per visiting day of buying a fortune
    shoutout_chance: float  # chance per visiting day of a shoutout
    tip_chance: float  # chance per visiting day of tipping someone present
    tip_share: float  # tip as a share of the balance
    saver: float  # share of the balance they keep back from gambling and spending


def make_population(n: int, rng: random.Random) -> list[Habits]:
    names = list(PROFILES)
    weights = [PROFILES[p][0] for p in names]
    out = []
    for i in range(n):
        profile = rng.choices(names, weights)[0]
        _, visit, hours, chat = PROFILES[profile]
        gambler = rng.random() < 0.55
        out.append(Habits(
            name=f"user{i:04d}",
            profile=profile,
            visit_chance=rng.uniform(*visit),
            hours=rng.uniform(*hours),
            peak_hour=int(rng.triangular(0, 24, 20)) % 24,
            afk_share=rng.uniform(0.1, 0.7) if profile != "lurker" else rng.uniform(0.5, 0.95),
            chat_per_hour=rng.uniform(*chat),
            long_share=rng.uniform(0.1, 0.5),
            laugh_share=rng.uniform(0.02, 0.15),
            kudos_share=rng.uniform(0.0, 0.05),
            mention_share=rng.uniform(0.0, 0.15),
            gif_share=rng.uniform(0.0, 0.08),
            emotes_per_day=rng.randint(0, 15),
            gamble_chance=rng.uniform(0.2, 0.9) if gambler else 0.0,
            plays_per_session=rng.randint(1, 12),
            wager_share=rng.uniform(0.01, 0.15),
            games=(rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 0.3)),
            free_spin=gambler or rng.random() < 0.3,
            queue_chance=rng.uniform(0.05, 0.6),
            vanity_wishes=tuple(v for v in VANITY if rng.random() < 0.25),
            fortune_chance=rng.uniform(0.0, 0.4),
            shoutout_chance=rng.uniform(0.0, 0.1),
            tip_chance=rng.uniform(0.0, 0.2),
            tip_share=rng.uniform(0.005, 0.05),
            saver=rng.uniform(0.0, 0.5),
        ))
    return out
