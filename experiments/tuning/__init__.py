"""Tuning studies: the study (``study``), its file schema (``spec``), the scenario of a
point (``scenario``) and the objective (``objective``). May import ``experiments`` and ``model``."""
