"""Batches, tuning, sensitivity, comparison and briefings on top of the engine.
May import ``model`` and ``agents``; never ``app`` or ``cli``."""
