"""Plain words for the engine's bloc and actor-type codes, shared by the charts and the
network (a module of its own so that neither imports the other)."""

BLOC_NAMES = {"eu_core": "EU core", "eastern_flank": "eastern flank", "us": "United States",
              "non_eu_allies": "non-EU allies", "bureaucracy": "bureaucracies",
              "ukraine": "Ukraine", "parliament": "European Parliament",
              "eu_institution": "EU institutions"}
TYPE_NAMES = {"state": "state", "us": "United States", "bureaucracy": "bureaucracy",
              "stakeholder": "stakeholder", "parliament": "parliament"}
