"""Scenario input: the actor and issue data, scenario files and the run parameters (knobs).
The lowest floor beside ``model.io``: imports neither Mesa nor the rest of the engine."""
