"""Houses follow accession dates (issue 22 item 5): Finland is an ally from April 2023,
Sweden from March 2024 (data/actors.toml, NATO press releases); a run counts a state as a
member of a house only from the month it joined, against the scenario's start."""

from __future__ import annotations

import pytest

from model.inputs.data import ActorRecord, load_actors
from model.model import EuNatoModel


def scenario(tmp_path, start: str) -> str:
    p = tmp_path / f"start-{start}.toml"
    p.write_text(f'name = "start-{start}"\nextends = "baseline-2024"\nstart = "{start}"\n'
                 'only_issues = ["ukr_aid"]\n')
    return str(p)


@pytest.mark.parametrize(("start", "allies"), [
    ("2023-01", set()), ("2023-03", set()), ("2023-04", {"FIN"}), ("2023-06", {"FIN"}),
    ("2024-02", {"FIN"}), ("2024-03", {"FIN", "SWE"}), ("2024-07", {"FIN", "SWE"})])
def test_a_nato_vote_counts_finland_and_sweden_from_their_accession(tmp_path, start, allies):
    for seed in (1, 2, 3):
        mdl = EuNatoModel(scenario_name=scenario(tmp_path, start), rng=seed, lean=True)
        ids = mdl.world.actor_ids
        fin, swe = ids.index("FIN"), ids.index("SWE")
        el = mdl.electorate
        assert {i for i, k in (("FIN", fin), ("SWE", swe)) if el.nato[k]} == allies
        assert el.eu[fin] and el.eu[swe]  # EU members throughout
        # the NAC's vote itself: a state not yet in cannot block it
        from model.institutions.houses import piece_vote

        j = mdl.world.issue_ids.index("ukr_aid")
        prop = mdl.outcome[mdl.m + j:mdl.m + j + 1] + 10
        for i, k in (("FIN", fin), ("SWE", swe)):
            block = mdl.world.block[:, j].copy()
            block[k] = True
            v = piece_vote(mdl, j, "nato", prop, block=block, aside=block & False)
            vetoed = i in {x["actor"] for x in v.vetoes(ids, el)}
            assert vetoed == (i in allies), (start, i)
        # an outsider's voice on NATO roles is discounted, a member's is not
        m = mdl.m
        full = mdl.world.house_weight[fin, 1] / mdl.world.house_weight.max()
        assert bool(abs(mdl.voice[fin, m] - full) < 1e-12) == ("FIN" in allies)
        mdl.run()
        nato_vetoes = {v["actor"] for i in mdl.summary()["issues"] for v in i["vetoes"]
                       if v["house"] == "nato"}
        assert not (nato_vetoes & ({"FIN", "SWE"} - allies))


def test_the_accession_months_are_the_sourced_ones():
    got = {a.id: a for a in load_actors()}
    assert got["FIN"].joined == {"NATO": "2023-04"}
    assert got["SWE"].joined == {"NATO": "2024-03"}
    assert "NATO" in got["FIN"].joined_source and "2023" in got["FIN"].joined_source
    assert got["FIN"].member("NATO", "2023-03") is False
    assert got["FIN"].member("NATO", "2023-04") is True
    assert got["AUT"].member("NATO", "2024-07") is False


@pytest.mark.parametrize(("joined", "msg"), [
    ({"NATO": "2023-4"}, "YYYY-MM"), ({"NATO": "2023-13"}, "YYYY-MM"),
    ({"EU": "1995-01"}, "not among the memberships")])
def test_a_bad_accession_month_is_refused(joined, msg):
    from pydantic import ValidationError

    base = {"id": "X", "name": "X", "type": "state", "bloc": "eu_core",
            "memberships": ["NATO"], "decoupling_fear": 0.5, "competition": 0.5}
    with pytest.raises(ValidationError, match=msg):
        ActorRecord.model_validate({**base, "joined": joined})
