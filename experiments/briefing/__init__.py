"""Briefings: the page (``brief``), its figures (``figures``) and who-blocked tables (``who``).
May import ``experiments`` and ``model``; never ``app`` or ``cli``."""
