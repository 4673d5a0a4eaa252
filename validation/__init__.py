"""Validation of the bargaining protocols against real negotiations (DEU III) and the
back-test on real episodes. Uses the engine and ``forecasting``; the engine never imports it,
and its command-line parts live in ``cli``."""
