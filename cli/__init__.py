"""The command line, `eunato`: a front door beside ``app``. ``cli/main.py`` is the parser and
its exit codes, one module per group of sub-commands. May import the engine, ``forecasting``,
``validation``, ``experiments`` and (for `eunato app`) ``app``; nothing imports ``cli``."""
