"""A status quo that decays (issue 22 item 4; model/reversion.py): laws over ten seeds.
A mandate that expires, funds that run down and a rising cost of delay each bring a member
that blocks against the standing arrangement to accept the change; a path moves the status
quo only until a change is agreed; the ensemble and the single run agree; same seed, same
bytes; a bad path is one line naming file, field and value."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model.ensemble.core import run_ensemble
from model.inputs.data import DataError
from model.model import EuNatoModel

SEEDS = range(1, 11)

#: Hungary wants less EU training than the mission in force (55) and more than a lapse;
#: the change on the table (about 70) is worse for it than the mission, better than none
RUN = """
name = "decay-{tag}"
extends = "baseline-2024"
start = "2024-07"
deadline = "2024-12"
only_issues = ["ukr_training"]
[issues.ukr_training]
nato_venue = "none"
joint = false
{path}
[actors.HUN]
eu_role = {{ ukr_training = 40 }}
salience = {{ ukr_training = 0.9 }}
source = "test: a declared position between the lapse and the change"
"""

PATHS = {
    "none": "",
    "expires": '[issues.ukr_training.reversion]\nkind = "expires"\ndate = "2024-09"\n'
               'eu_role = 5\nsource = "test: the mandate ends in September"\n',
    "runs_down": '[issues.ukr_training.reversion]\nkind = "runs_down"\ndate = "2024-10"\n'
                 'eu_role = 5\nsource = "judgement: test funds exhausted by October"\n',
    "rising_cost": '[issues.ukr_training.reversion]\nkind = "rising_cost"\nper_month = 8\n'
                   'source = "judgement: test wartime pressure"\n',
}


def case(tmp_path, tag: str) -> str:
    p = tmp_path / f"{tag}.toml"
    p.write_text(RUN.format(tag=tag, path=PATHS[tag]))
    return str(p)


def runs(path: str) -> list[EuNatoModel]:
    return run_ensemble([EuNatoModel(scenario_name=path, rng=s, lean=True) for s in SEEDS])


def training(mdl: EuNatoModel) -> dict:
    return next(i for i in mdl.summary()["issues"] if i["issue"] == "ukr_training")


def test_without_decay_the_member_against_the_change_blocks_it(tmp_path):
    for mdl in runs(case(tmp_path, "none")):
        rec = training(mdl)
        assert rec["status"] == "blocked" and "reversion" not in rec
        assert "HUN" in {v["actor"] for v in rec["vetoes"]}
        assert rec["eu_role"] == rec["status_quo"]["eu_role"] == 55


@pytest.mark.parametrize("kind", ["expires", "runs_down", "rising_cost"])
def test_a_decaying_status_quo_brings_the_blocker_round(tmp_path, kind):
    base = [training(m) for m in runs(case(tmp_path, "none"))]
    decay = [training(m) for m in runs(case(tmp_path, kind))]
    assert sum(r["status"] == "agreed" for r in decay) > sum(
        r["status"] == "agreed" for r in base)
    for before, after in zip(base, decay, strict=True):
        # never less adoption than without decay, seed by seed; here every seed adopts
        assert after["status"] == "agreed" and after["eu_role"] > 55 + 1
        assert before["status"] != "agreed"
        assert after["reversion"]["kind"] == kind and after["reversion"]["source"]


def test_a_vetoed_issue_is_put_again_when_the_mandate_lapses(tmp_path):
    for mdl in runs(case(tmp_path, "expires")):
        kinds = [(e["kind"], e["round"]) for e in mdl.events_log
                 if e.get("issue") == "ukr_training"]
        lapse = next(r for k, r in kinds if k == "reversion")
        assert mdl.date(lapse) == "2024-09"
        agreed = next(r for k, r in kinds if k == "agreement")
        assert agreed >= lapse  # agreed once the lapse was what no agreement meant
        assert mdl.summary()["issues"][0]["reversion"]["cost"] == 0


def test_an_agreed_change_stops_the_path(tmp_path):
    # nobody against: once the change passes, the funds running down no longer move it
    text = RUN.format(tag="free", path=PATHS["runs_down"]).replace(
        "eu_role = { ukr_training = 40 }", "eu_role = { ukr_training = 75 }").replace(
        'date = "2024-10"', 'date = "2025-06"')
    p = tmp_path / "free.toml"
    p.write_text(text)
    for mdl in runs(str(p)):
        rec = training(mdl)
        assert rec["status"] == "agreed" and rec["eu_role"] > 55 + 1
        moves = [e["round"] for e in mdl.events_log if e["kind"] == "reversion"]
        assert moves and max(moves) <= rec["round"]
        assert mdl.outcome[0] == rec["eu_role"] or abs(mdl.outcome[0] - rec["eu_role"]) < 0.01


def test_the_rising_cost_enters_every_voters_comparison(tmp_path):
    for mdl in runs(case(tmp_path, "rising_cost")):
        rec = training(mdl)
        # the cost of no agreement grew by 8 role points a month from the start
        months = (int(rec["date"][:4]) - 2024) * 12 + int(rec["date"][5:]) - 7
        assert rec["reversion"]["cost"] == pytest.approx(8 * months)
        assert rec["status_quo"]["eu_role"] == 55  # the arrangement itself did not move


@pytest.mark.parametrize("kind", ["expires", "rising_cost"])
def test_the_ensemble_decides_as_the_single_run(tmp_path, kind):
    path = case(tmp_path, kind)
    for s, mdl in zip(SEEDS, runs(path), strict=True):
        alone = EuNatoModel(scenario_name=path, rng=s, lean=True).run()
        assert mdl.summary() == alone.summary()


def test_same_seed_same_bytes(tmp_path):
    path = case(tmp_path, "runs_down")
    out = []
    for hashseed in ("0", "1"):
        code = ("import json,sys; from model.model import EuNatoModel; m = EuNatoModel("
                f"scenario_name={path!r}, rng=7).run(); "
                "sys.stdout.write(json.dumps(m.summary(), sort_keys=True))")
        out.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                  check=True, env={"PYTHONHASHSEED": hashseed},
                                  cwd=str(tmp_path.parent)).stdout)
    assert out[0] == out[1] and json.loads(out[0])["issues"][0]["reversion"]


@pytest.mark.parametrize(("path", "field", "msg"), [
    ('kind = "expires"\neu_role = 5\nsource = "x"', "issues.ukr_training.reversion",
     "gives the date"),
    ('kind = "expires"\ndate = "2024-13"\neu_role = 5\nsource = "x"',
     "issues.ukr_training.reversion.date", "String should match"),
    ('kind = "rising_cost"\nper_month = 2\nsource = " "', "issues.ukr_training.reversion"
     ".source", "names its source"),
    ('kind = "decays"\nsource = "x"', "issues.ukr_training.reversion.kind", "Input should be"),
    ('kind = "runs_down"\ndate = "2024-10"\nsource = "x"', "issues.ukr_training.reversion",
     "eu_role and/or nato_role"),
])
def test_a_bad_path_is_one_line_naming_file_field_and_value(tmp_path, path, field, msg):
    p = tmp_path / "bad.toml"
    p.write_text(f'name = "bad"\nextends = "baseline-2024"\n[issues.ukr_training.reversion]\n'
                 f"{path}\n")
    with pytest.raises(DataError, match=msg) as err:
        EuNatoModel(scenario_name=str(p))
    assert err.value.field == field and str(p) in str(err.value)
    cli = subprocess.run([sys.executable, "-m", "cli.main", "run", "--scenario", str(p)],
                         capture_output=True, text=True)
    assert cli.returncode == 2 and "Traceback" not in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1 and field in cli.stderr
