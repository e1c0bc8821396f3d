"""Where Z leave a wallet: games (gambling's odds.py and its ledger bodies), the media queue (media's
pricing and limits), the vanity shop (the announcer's vanity_rules) and tips (the ledger's tip_rules).

Every check that needs no database runs through the owning service's own rule; the bodies a game or a
purchase sends are built by the service's own posting helpers where they are pure, so kinds and
triggers are the ledger's real ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from economy_announcer import vanity_rules
from economy_gambling.gate import Gate
from economy_gambling.ledger import ESCROW, duel_postings, play_postings
from economy_gambling.odds import SlotTable, challenger_wins, draw_flip, draw_spin, duel_split
from economy_ledger import tip_rules
from economy_ledger.rank_rules import rank_index
from economy_media.limits import allowance, blackout_at, cooldown_left_seconds
from economy_media.pricing import quote
from economy_shared.config import EconomyConfig
from economy_shared.config.progression import RankPerks
from economy_shared.schemas.ledger import Posting, PostingKind

from .book import Book, Refused
from .people import Person
from .population import GAMES

MEDIA_LENGTHS = (240, 1320, 2700, 5400)  # seconds: a music video, an episode, a long episode, a film


class Spending:
    def __init__(self, config: EconomyConfig, rng: random.Random, book: Book, channel: str,
                 factor: Callable[[], float]) -> None:
        self.cfg = config
        self.rng = rng
        self.book = book
        self.channel = channel
        self.factor = factor  # the inflation governor's price factor now
        self.gate = Gate(config=lambda: config, ledger=None, plays=None, clock=None)  # type: ignore[arg-type]
        self.table = SlotTable.from_settings(config.gambling.spin)
        self.games: dict[str, list[int]] = {}  # game -> [wagered, paid out]
        self.queued: list[int] = []  # lengths (s) of paid queue items waiting to play
        self.escrow = book.users  # the one system account: ~escrow:gambling

    # ---- helpers ---------------------------------------------------------------------------------------
    def perks(self, p: Person) -> RankPerks:
        ranks = self.cfg.ranks
        return ranks.perks_at(rank_index(ranks, self.book.counter(p.idx, "lifetime_earned")))

    def spare(self, p: Person) -> int:
        """What the user is willing to put at stake: the balance less what they keep back."""
        return int(self.book.balance(p.idx) * (1 - p.habits.saver))

    def apply(self, postings: list[Posting], who: dict[str, int]) -> None:
        for posting in postings:
            self.book.post(who[posting.user], posting.amount, posting.kind, posting.trigger_id)

    def _count(self, game: str, wager: int, payout: int) -> None:
        row = self.games.setdefault(game, [0, 0])
        row[0] += wager
        row[1] += payout

    def may_play(self, p: Person, game: str, wager: int | None, now: datetime, day: int) -> bool:
        """The gate's rules (enabled, bounds, account age, cooldown, daily limit) and the balance."""
        rules = self.gate.rules(game)
        if not rules.enabled or p.first_seen is None:
            return False
        if wager is not None and (wager > self.book.balance(p.idx)
                                  or (rules.min_wager is not None and wager < rules.min_wager)):
            return False
        if (now - p.first_seen).total_seconds() < self.cfg.gambling.min_account_age_minutes * 60:
            return False
        use, at = p.usage(game), now.timestamp()
        if rules.daily_limit is not None and use.today(day) >= rules.daily_limit:
            return False
        return not (use.last_s is not None and use.day == day and at - use.last_s < rules.cooldown_seconds)

    def wager_for(self, p: Person, game: str) -> int:
        rules = self.gate.rules(game)
        wager = int(self.spare(p) * p.habits.wager_share)
        return min(wager, rules.max_wager) if rules.max_wager is not None else wager

    # ---- games -----------------------------------------------------------------------------------------
    def gamble(self, p: Person, now: datetime, day: int, present: dict[str, Person]) -> None:
        game = self.rng.choices(GAMES, p.habits.games)[0]
        wager = self.wager_for(p, game)
        if not self.may_play(p, game, wager, now, day):
            return
        if game == "challenge":
            self.challenge(p, wager, now, day, present)
            return
        if game == "spin":
            draw = draw_spin(self.table, wager, self.rng)
            payout = draw.payout
        else:
            payout = draw_flip(self.cfg.gambling.flip, wager, self.rng).payout
        self.apply(play_postings(p.display, game, wager, payout, game), {p.display: p.idx})
        p.usage(game).use(day, now.timestamp())
        p.biggest_win = max(p.biggest_win, payout - wager)
        self._count(game, wager, payout)

    def free_spin(self, p: Person, now: datetime, day: int) -> None:
        if not self.may_play(p, "free_spin", None, now, day):
            return
        draw = draw_spin(self.table, self.cfg.gambling.daily_free_spin.equivalent_wager, self.rng)
        self.apply(play_postings(p.display, "free_spin", 0, draw.payout, "free spin"), {p.display: p.idx})
        p.usage("free_spin").use(day, now.timestamp())
        self._count("free_spin", 0, draw.payout)

    def challenge(self, p: Person, wager: int, now: datetime, day: int, present: dict[str, Person]) -> None:
        """A duel with someone present who takes it (both stakes in one settlement; the rake stays out)."""
        takers = [q for k, q in present.items() if k != p.key and q.habits.gamble_chance > 0
                  and self.may_play(q, "challenge", wager, now, day) and self.spare(q) >= wager]
        if not takers:
            return
        q = self.rng.choice(takers)
        split = duel_split(wager, self.cfg.gambling.challenge.rake_percent)
        winner, loser = (p, q) if challenger_wins(self.rng) else (q, p)
        who = {p.display: p.idx, q.display: q.idx, ESCROW: self.escrow}
        self.book.post(p.idx, -wager, PostingKind.WAGER, "gambling.challenge.stake")  # escrow_postings
        self.book.post(self.escrow, wager, PostingKind.ESCROW, "gambling.challenge.stake")
        self.apply(duel_postings(q.display, wager, winner.display, loser.display, split.prize, "sim", split.rake),
                   who)
        # escrow is back to 0: the two stakes less the prize (the rake) were simply not paid out
        for x in (p, q):
            x.usage("challenge").use(day, now.timestamp())
        winner.biggest_win = max(winner.biggest_win, split.prize - wager)
        self._count("challenge", 2 * wager, split.prize)

    # ---- the media queue -------------------------------------------------------------------------------
    def queue(self, p: Person, now: datetime, day: int) -> None:
        s = self.cfg.spending
        perks = self.perks(p)
        if blackout_at(s, now) is not None or p.queues.today(day) >= allowance(s, perks.extra_queues_per_day):
            return
        if cooldown_left_seconds(s, int(p.queues.last_s * 1000) if p.queues.last_s else None,
                                 int(now.timestamp() * 1000)) > 0:
            return
        length = self.rng.choice(MEDIA_LENGTHS)
        price = quote(s, "queue", length, perks.discount_percent, self.factor()).cost
        if price > self.spare(p):
            return
        self.book.post(p.idx, -price, PostingKind.SPEND, "media.queue")
        p.queues.use(day, now.timestamp())
        self.queued.append(length)
        if p.first_queue_day is None:
            p.first_queue_day = day

    # ---- the vanity shop -------------------------------------------------------------------------------
    def buy(self, p: Person, word: str, now: datetime, day: int) -> bool:
        cfg = self.cfg
        if not vanity_rules.enabled(cfg, word):
            return False
        perks = self.perks(p)
        free = word == "fortune" and perks.free_daily_fortune
        price = vanity_rules.price_of(vanity_rules.base_cost(cfg, word), self.factor(), perks.discount_percent,
                                      free=free)
        if word == "fortune":
            if p.fortune_day == day:
                return False
            p.fortune_day = day
        if word == "shoutout":
            left = vanity_rules.cooldown_left_ms(p.shoutout_ms, int(now.timestamp() * 1000),
                                                 cfg.vanity_shop.shoutout.cooldown_minutes)
            if left > 0:
                return False
        if word == "cytube2":
            floor = cfg.ranks.tier_index(cfg.cytube_promotion.min_rank) or 0
            if rank_index(cfg.ranks, self.book.counter(p.idx, "lifetime_earned")) < floor:
                return False
        if price.price > 0:
            if price.price * (1 if word in ("fortune", "shoutout") else 2) > self.book.balance(p.idx):
                return False  # one-off items only once they can afford them twice over
            self.book.post(p.idx, -price.price, PostingKind.SPEND, f"vanity.{word}")
        if word == "shoutout":
            p.shoutout_ms = int(now.timestamp() * 1000)
        return True

    # ---- tips ------------------------------------------------------------------------------------------
    def tip(self, p: Person, now: datetime, day: int, present: dict[str, Person]) -> None:
        cfg = self.cfg
        others = [q for k, q in present.items() if k != p.key]
        if not others or p.first_seen is None:
            return
        q = self.rng.choice(others)
        amount = max(cfg.tipping.min_amount, int(self.book.balance(p.idx) * p.habits.tip_share))
        if tip_rules.check_request(cfg, p.display, q.display, amount) is not None:
            return
        age_ms = int(p.first_seen.timestamp() * 1000)
        if tip_rules.minutes_until_old_enough(age_ms, int(now.timestamp() * 1000),
                                              cfg.tipping.min_account_age_minutes) > 0:
            return
        if p.tips_day != day:
            p.tips_day, p.tips_today = day, 0
        if tip_rules.check_daily_cap(p.tips_today, amount, cfg.tipping.max_per_day, "Z") is not None:
            return
        try:
            self.book.transfer(p.idx, q.idx, amount, tip_rules.TIP_TRIGGER)
        except Refused:
            return
        p.tips_today += amount
        p.tipped.add(q.idx)
        q.tipped_by.add(p.idx)
