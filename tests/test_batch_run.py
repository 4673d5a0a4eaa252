"""Mesa users keep their habits: the model runs under mesa.batch_run."""

import mesa

from model.model import EuNatoModel


def test_mesa_batch_run_sweeps_plain_keywords():
    res = mesa.batch_run(
        EuNatoModel,
        parameters={"protocol": "compromise", "rounds": 4, "us_engagement": [0.3, 0.8]},
        rng=[1, 2], number_processes=1, data_collection_period=-1, display_progress=False,
    )
    runs = {(r["us_engagement"], r["RunId"]) for r in res}
    assert len(runs) == 4
    assert {r["us_engagement"] for r in res} == {0.3, 0.8}
    assert all("forecast_eu_ukr_training" in r for r in res)
