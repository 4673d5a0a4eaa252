"""Reading a run's results: its summary, explanations, blockers, real formats and export.
May import the engine (``model``, ``model.institutions``, ``model.io``); never a front door."""
