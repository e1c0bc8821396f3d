"""``python -m economy_sim --users 200 --days 30 --seed 1 --config config/economy.example.yaml --plot out.png``"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from economy_shared.config.loader import ConfigError, load_config

from .population import make_population
from .report import build, render
from .world import World

DEFAULT_CONFIG = "config/economy.example.yaml"


def run(users: int, days: int, seed: int, config_path: str | Path) -> tuple[World, float]:
    """One seeded run; returns the finished world and its wall time in seconds."""
    config = load_config(config_path)
    began = time.perf_counter()
    world = World(config, make_population(users, random.Random(seed)), seed)
    world.run(days)
    return world, time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m economy_sim", description=__doc__)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", default=DEFAULT_CONFIG, help=f"economy config (default {DEFAULT_CONFIG})")
    ap.add_argument("--plot", metavar="OUT.png", help="supply and balance distribution over time (matplotlib)")
    args = ap.parse_args(argv)
    if args.users < 2 or args.days < 1:
        ap.error("--users must be at least 2 and --days at least 1")
    try:
        world, seconds = run(args.users, args.days, args.seed, args.config)
    except ConfigError as err:
        print(f"economy_sim: {err}", file=sys.stderr)
        return 2
    report = build(world, args.seed)
    print(render(report))
    print(f"\nSimulated in {seconds:.1f} s.")
    if args.plot:
        from .plot import plot

        problem = plot(world, args.plot)
        print(problem or f"Plot written to {args.plot}", file=sys.stderr if problem else sys.stdout)
    return 0 if report.conserved else 1


if __name__ == "__main__":
    sys.exit(main())
