"""Validation of the bargaining protocols against real negotiations (DEU III)."""
