"""The engine room: the model and its round, world and state, institutions, protocols, the
ensemble, scenario input and the reading of a run's results. It imports only ``agents`` and its
own subpackages, never a front door (app, cli, experiments, forecasting, validation)."""
