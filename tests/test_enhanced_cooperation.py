"""Enhanced cooperation as a legal basis (issue 22 item 1; model/institutions/cooperation.py):
laws over ten seeds. An ordinary-procedure act that fails for want of enough yes votes,
while few oppose it, goes ahead among the willing under Art. 20 TEU when the basis is
admissible, binds only them and moves the EU role by their share; it cannot get round a
blocking minority (the authorisation is by QMV); without the basis the act fails; the
ensemble chooses as the single run; bad bases are refused with the article."""

from __future__ import annotations

import pytest

from model.ensemble.core import run_ensemble
from model.inputs.data import IssueRecord, load_actors, load_issues
from model.model import EuNatoModel

SEEDS = range(1, 11)
#: twelve states want the change, three oppose it, the others step aside (they abstain)
WILLING = ("DEU", "FRA", "ITA", "ESP", "POL", "NLD", "BEL", "SWE", "CZE", "PRT", "ROU", "GRC")
AGAINST = ("HUN", "SVK", "AUT")


def _actor(a: str, role: float | None, sal: float) -> str:
    pos = "" if role is None else f"eu_role = {{ ind_procurement = {role} }}\n"
    return (f"[actors.{a}]\n{pos}salience = {{ ind_procurement = {sal} }}\n"
            'source = "test: a declared position"\n')


def case(tmp_path, bases: list[str], against=AGAINST) -> str:
    states = [a.id for a in load_actors() if a.type == "state" and a.eu]
    body = "".join(_actor(a, 85, 0.8) for a in WILLING if a not in against)
    body += "".join(_actor(a, 30, 0.9) for a in against)
    # the rest step aside: they neither join nor stand in the way
    body += "".join(f'[stances.{a}]\nstep_aside = ["ind_procurement"]\nhouses = ["eu_council"]\n'
                    for a in states if a not in WILLING and a not in against)
    text = ('name = "willing"\nextends = "baseline-2024"\nstart = "2024-07"\n'
            'only_issues = ["ind_procurement"]\n[issues.ind_procurement]\n'
            'nato_venue = "none"\neu_bases = [' + ", ".join(f'"{b}"' for b in bases)
            + "]\n" + body)
    p = tmp_path / f"{'-'.join(bases)}-{len(against)}-{against[0]}.toml"
    p.write_text(text)
    return str(p)


def runs(path: str) -> list[EuNatoModel]:
    return run_ensemble([EuNatoModel(scenario_name=path, rng=s, lean=True) for s in SEEDS])


def rec(mdl: EuNatoModel) -> dict:
    return mdl.summary()["issues"][0]


def test_without_enough_yes_votes_the_ordinary_procedure_fails(tmp_path):
    for mdl in runs(case(tmp_path, ["olp"])):
        r = rec(mdl)
        assert r["status"] != "agreed" and r["eu_role"] == r["status_quo"]["eu_role"]


def test_the_willing_go_ahead_under_enhanced_cooperation_and_bind_only_themselves(tmp_path):
    for mdl in runs(case(tmp_path, ["olp", "ec"])):
        r = rec(mdl)
        lb = r["legal_basis"]
        assert r["status"] == "agreed" and (lb["basis"], lb["moved"]) == ("ec", True)
        assert lb["setter"] == "COM" and "Art. 20 TEU" in lb["reason"]
        assert "participating states" in lb["reason"]
        ids = lb["reason"].split("participating states (")[1].split(")")[0].split(", ")
        assert 9 <= len(ids) and not set(ids) & set(AGAINST)
        # the EU role moves by the participants' share only: never the whole way
        share = int(lb["reason"].split("% of the EU's population")[0].rsplit(" ", 1)[1]) / 100
        sq = r["status_quo"]["eu_role"]
        assert share < 1 and sq + 5 <= r["eu_role"] <= sq + (share + 0.005) * (100 - sq)


def test_enhanced_cooperation_does_not_get_round_a_blocking_minority(tmp_path):
    # Germany, France and Italy hold more than 35% of the EU's population: they stop the
    # authorisation by QMV as they stop the act
    for mdl in runs(case(tmp_path, ["olp", "ec"], against=("DEU", "FRA", "ITA", "HUN"))):
        r = rec(mdl)
        assert r["status"] != "agreed" and r["legal_basis"]["basis"] == "olp"


def test_the_ensemble_chooses_as_the_single_run(tmp_path):
    path = case(tmp_path, ["olp", "ec"])
    for s, mdl in zip(SEEDS, runs(path), strict=True):
        alone = EuNatoModel(scenario_name=path, rng=s, lean=True).run()
        assert mdl.summary() == alone.summary()


@pytest.mark.parametrize(("venue", "bases", "msg"), [
    ("cfsp", ["cfsp", "ec"], "Art. 329"), ("mff", ["mff", "ec"], "Art. 332"),
    ("olp", ["ec"], "must start with")])
def test_enhanced_cooperation_where_the_treaty_bars_it_is_refused(venue, bases, msg):
    rec0 = next(r for r in load_issues() if r.eu_venue in ("cfsp", "olp")).model_dump()
    with pytest.raises(ValueError, match=msg):
        IssueRecord.model_validate({**rec0, "eu_venue": venue, "eu_bases": bases})
