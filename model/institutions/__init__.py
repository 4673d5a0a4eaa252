"""The institutions: houses and their venues, routes (decide), pivots and voting power.
May import ``model.inputs``, ``model.io`` and ``agents`` (for types); never a front door."""
