"""The economy simulator (`make simulate`): deterministic, money-conserving, and the example config inside
the README's band ("Simulating the economy")."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from economy_gambling.odds import configured_returns
from economy_shared.config.loader import load_config
from economy_shared.schemas.ledger import PostingKind
from economy_sim.__main__ import main, run
from economy_sim.book import Book, Refused
from economy_sim.population import make_population
from economy_sim.report import Report, build, gini, render

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "economy.example.yaml"
BAND = (100.0, 55.0, 35.0)  # % max growth of full weeks 2, 3 and 4 — README "Simulating the economy"
DWARF_SHARE = 0.5  # no single earning trigger pays half of what presence.base pays


def short(seed: int) -> Report:
    world, _ = run(30, 3, seed, EXAMPLE)
    return build(world, seed)


@pytest.fixture(scope="module")
def month() -> Report:
    """200 users x 30 days with the example config, seed 1: what `make simulate` prints."""
    world, _ = run(200, 30, 1, EXAMPLE)
    return build(world, 1)


def test_same_seed_same_report_and_another_seed_another() -> None:
    a, b, c = short(7), short(7), short(8)
    assert render(a) == render(b)
    assert a.sources == b.sources and a.sinks == b.sinks
    assert render(a) != render(c)


def test_a_short_run_conserves_money() -> None:
    r = short(7)
    assert r.audit == []  # every user's balance is the sum of their journal, none negative
    assert sum(r.sources.values()) - sum(r.sinks.values()) == r.supply > 0
    assert r.conserved
    tips_in = r.sources.get(("transfer", "tip"), 0)
    assert tips_in == r.sinks.get(("transfer", "tip"), 0)  # a tip moves money, never makes or burns it
    # the run exercised the main sources and sinks, so the check above covers them
    assert r.sources[("earn", "presence.base")] > 0
    assert any(kind == "wager" for kind, _ in r.sinks) and any(kind == "spend" for kind, _ in r.sinks)


def test_the_population_is_seeded() -> None:
    assert make_population(20, random.Random(3)) == make_population(20, random.Random(3))
    assert make_population(20, random.Random(3)) != make_population(20, random.Random(4))


def test_the_book_refuses_an_overdraft_and_changes_nothing() -> None:
    book = Book(2)
    book.post(0, 100, PostingKind.EARN, "presence.base")
    with pytest.raises(Refused):
        book.transfer(0, 1, 101, "tip")
    assert (book.balance(0), book.balance(1), book.supply, book.rows()) == (100, 0, 100, 1)
    book.transfer(0, 1, 40, "tip")
    assert (book.balance(0), book.balance(1), book.supply) == (60, 40, 100)
    assert book.counter(0, "lifetime_earned") == 100 and book.counter(1, "lifetime_earned") == 0  # DECISIONS 5
    assert book.audit() == []


def test_gini() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 100]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_the_house_keeps_an_edge_in_every_game_over_a_month(month: Report) -> None:
    cfg = load_config(EXAMPLE).gambling
    assert all(v < 1 for v in configured_returns(cfg.spin, cfg.flip, cfg.challenge.rake_percent, cfg.heist).values())
    played = [g for g, (wagered, _) in month.games.items() if wagered > 0]
    assert {"spin", "flip", "challenge"} <= set(played)
    for game in played:
        assert month.house_edge(game) > 0, (game, month.games[game])


def test_the_example_config_stays_inside_the_band(month: Report) -> None:
    assert month.conserved
    growth = month.growth(from_week=2)
    assert len(growth) == 3, month.weeks  # full weeks 2, 3 and 4
    assert all(0 < g <= cap for g, cap in zip(growth, BAND, strict=True)), growth
    assert growth == sorted(growth, reverse=True), growth  # slowing every week: nothing compounds
    assert month.sinks[("maintenance", "maintenance.decay")] > 0  # the sink that levels the supply off ran


def test_gambling_as_a_whole_is_no_net_source_free_spin_included(month: Report) -> None:
    paid = sum(z for (kind, _), z in month.sources.items() if kind == "payout")
    wagered = sum(z for (kind, _), z in month.sinks.items() if kind == "wager")
    assert month.sources[("payout", "gambling.free_spin")] > 0
    assert paid < wagered, (paid, wagered)


def test_no_earning_source_dwarfs_presence_and_regulars_still_queue(month: Report) -> None:
    presence = month.sources[("earn", "presence.base")]
    others = {t: z for (kind, t), z in month.sources.items() if kind == "earn" and t != "presence.base"}
    assert max(others.values()) < DWARF_SHARE * presence, sorted(others.items(), key=lambda kv: -kv[1])[:3]
    movie = max(t.cost for t in load_config(EXAMPLE).spending.queue_tiers)
    assert month.median_balance >= 2 * movie  # the median user can afford two movies at the end of the month
    assert len(month.first_queue_days) >= 0.7 * month.seen
    assert sorted(month.first_queue_days)[len(month.first_queue_days) // 2] <= 7  # median days to a first queue


def test_the_cli_prints_the_report_and_explains_a_missing_plotter(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "supply.png"
    code = main(["--users", "5", "--days", "1", "--seed", "2", "--config", str(EXAMPLE), "--plot", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert "Money supply" in captured.out and "audit OK" in captured.out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "--plot needs matplotlib" in captured.err and not out.exists()
    else:
        assert out.exists()


def test_a_bad_config_is_one_line_not_a_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "missing.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err
