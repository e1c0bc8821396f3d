"""``--plot``: money supply and the balance distribution over time, with matplotlib if it is installed
(``pip install -e '.[sim]'``); it is not a dependency of the project."""

from __future__ import annotations

from pathlib import Path

from .world import World


def plot(world: World, out: str | Path) -> str | None:
    """Write the figure; returns a one-line problem instead when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "--plot needs matplotlib: pip install -e '.[sim]' (the report above is complete without it)"
    snaps = world.snapshots
    days = [s.day + 1 for s in snaps]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    top.plot(days, [s.supply for s in snaps], label="money supply (Z)")
    top.set_ylabel("Z")
    top.legend()
    for q, label in ((0.1, "p10"), (0.5, "median"), (0.9, "p90")):
        bottom.plot(days, [s.balances[int(q * (len(s.balances) - 1))] if s.balances else 0 for s in snaps],
                    label=f"balance {label}")
    bottom.set_xlabel("day")
    bottom.set_ylabel("Z")
    bottom.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return None
