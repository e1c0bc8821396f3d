"""Earning multipliers and events (sprint 7; DECISIONS 11, 19): pure rules in ``multipliers`` and
``windows``, SQL in ``store``, the events use case in ``book``, the boost every presence credit goes
through in ``boosts`` (with exact fractions in ``carries``)."""
