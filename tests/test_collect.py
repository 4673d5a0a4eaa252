"""The array-filled DataCollector records exactly what Mesa's generic reporters record."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from model.model import EuNatoModel


@pytest.mark.parametrize(("scenario", "protocol", "seed"), [
    ("baseline-2024", "compromise", 1), ("us-disengagement", "compromise", 2),
    ("eu-autonomy-push", "bdm", 3), ("baseline-2024", "nash", 4)])
def test_round_collector_equals_mesa_reporters(scenario: str, protocol: str,
                                                seed: int) -> None:
    model = EuNatoModel(scenario, protocol=protocol, rng=seed, rounds=25)
    dc = model.datacollector
    assert dc.fast
    # Mesa's generic collector with the same reporters, collecting at the same moments
    ref = mesa.DataCollector(model_reporters=dc.model_reporters,
                             agent_reporters=dc.agent_reporters)
    ref.collect(model)
    while model.running:
        model.step()
        ref.collect(model)
    pd.testing.assert_frame_equal(dc.get_model_vars_dataframe(),
                                  ref.get_model_vars_dataframe(), check_exact=True)
    pd.testing.assert_frame_equal(dc.get_agent_vars_dataframe(),
                                  ref.get_agent_vars_dataframe(), check_exact=True)
    assert dc._collection_steps == ref._collection_steps
    assert len(dc.get_model_vars_dataframe()) == model.steps + 1


def test_unknown_reporters_use_mesas_path() -> None:
    model = EuNatoModel(rng=1, rounds=3, collect_agents=False)
    dc = type(model.datacollector)({"agreed": lambda m: 7}, {}, model.world.issue_ids)
    assert not dc.fast
    dc.collect(model)
    assert dc.get_model_vars_dataframe()["agreed"].tolist() == [7]
