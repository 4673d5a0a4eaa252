"""The ensemble engine: R replicates of one scenario played at once in one set of arrays.
May import the rest of ``model`` and ``agents``; never a front door."""
