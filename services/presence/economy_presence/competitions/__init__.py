"""Daily competitions (sprint 7 §1.1, done right: sprint 7 §9 item 8): rules.py (pure), store.py (SQL),
runner.py (the use case: evaluate the day that ended, owe the awards, tell the winners and the channel)."""

from .runner import Competitions

__all__ = ["Competitions"]
