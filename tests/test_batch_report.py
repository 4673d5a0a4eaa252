"""`eunato report` writes its charts and page from a batch's results."""

import json

import pandas as pd

from cli.main import main
from experiments.batch import run_experiment
from experiments.report import comembership
from experiments.spec import parse_experiment


def test_report_writes_pngs_and_html(tmp_path, capsys):
    exp = parse_experiment({"name": "tiny", "protocols": ["compromise", "nash"],
                            "rounds": 4, "replicates": 2, "per_round": True,
                            "parameters": {"us_engagement": [0.2, 0.9],
                                           "participation_blockage": [False, True]}})
    df = run_experiment(exp, tmp_path / "res", workers=1, progress=False)
    assert len(df) == 16
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "rep")]) == 0
    for name in ("outcomes_eu_role.png", "outcomes_nato_role.png", "agreement.png",
                 "metrics.png", "comembership.png", "agreement_2d.png",
                 "agreement_by_round.png"):
        data = (tmp_path / "rep" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "tiny" in page and "16 runs: 16 ok" in page
    for name in ("outcomes_eu_role.png", "agreement.png", "comembership.png",
                 "agreement_2d.png", "agreement_by_round.png"):
        assert f"src='{name}'" in page
    agree = pd.read_csv(tmp_path / "rep" / "agreement.csv")
    assert set(agree["input"]) == {"protocol", "us_engagement", "participation_blockage"}
    assert agree["p_all_agreed"].between(0, 1).all()


def test_comembership_is_the_share_of_runs_together():
    ok = pd.DataFrame({"partition": [json.dumps({"A": "x", "B": "x", "C": "y"}),
                                     json.dumps({"A": "x", "B": "y", "C": "y"})]})
    cm = comembership(ok).loc[["A", "B", "C"], ["A", "B", "C"]]
    assert cm.loc["A", "B"] == 0.5 and cm.loc["B", "C"] == 0.5 and cm.loc["A", "C"] == 0
    assert (cm.to_numpy().diagonal() == 1).all()
    assert (cm.to_numpy() == cm.to_numpy().T).all()


def test_report_on_a_directory_without_runs_is_one_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a results directory" in capsys.readouterr().err


def test_report_groups_by_every_varied_input_with_axis_titles_from_the_model(tmp_path):
    from model.results.summary import SCALES

    exp = parse_experiment({"name": "two-scen", "scenarios": ["baseline-2024",
                                                             "us-disengagement"],
                            "protocols": ["compromise", "nash"], "rounds": 4,
                            "replicates": 2,
                            "parameters": {"us_engagement": [0.3, 0.8]}})
    run_experiment(exp, tmp_path / "res", workers=1, progress=False)
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "rep")]) == 0
    doc = json.loads((tmp_path / "rep" / "figures.json").read_text())
    figures = doc["figures"]
    assert doc["provenance"]["seed"] == [0, 1]  # the batch's, beside its figures
    for role in ("eu_role", "nato_role"):
        groups = {f["group"] for n, f in figures.items() if n.startswith(f"outcomes_{role}")}
        assert groups == {None, "scenario", "protocol", "us_engagement"}
    for name, f in figures.items():
        assert (tmp_path / "rep" / name).is_file()
        role = "eu_role" if name.startswith("outcomes_eu_role") else "nato_role"
        assert f["x"] == SCALES[role]  # the model's definition, word for word
    # the EU end is the EU's: the old title had the scale the wrong way round
    assert "100 = the EU covers the whole task" in figures["outcomes_eu_role.png"]["x"]
    by_scen = figures["outcomes_eu_role_by_scenario.png"]
    assert by_scen["levels"] == ["baseline-2024", "us-disengagement"]
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "by scenario" in page
