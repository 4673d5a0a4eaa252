"""`eunato report` writes its charts and page from a batch's results."""

import json

import pandas as pd

from experiments.batch import run_experiment
from experiments.report import comembership
from experiments.spec import parse_experiment
from model.cli import main


def test_report_writes_pngs_and_html(tmp_path, capsys):
    exp = parse_experiment({"name": "tiny", "protocols": ["compromise", "nash"],
                            "rounds": 4, "replicates": 2, "per_round": True,
                            "parameters": {"us_engagement": [0.2, 0.9],
                                           "participation_blockage": [False, True]}})
    df = run_experiment(exp, tmp_path / "res", workers=1, progress=False)
    assert len(df) == 16
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "rep")]) == 0
    for name in ("outcomes.png", "agreement.png", "metrics.png", "comembership.png",
                 "agreement_2d.png", "agreement_by_round.png"):
        data = (tmp_path / "rep" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "tiny" in page and "16 runs: 16 ok" in page
    for name in ("outcomes.png", "agreement.png", "comembership.png", "agreement_2d.png",
                 "agreement_by_round.png"):
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
    from model.scales import scales
    from model.summary import label

    exp = parse_experiment({"name": "two-scen", "scenarios": ["baseline-2024",
                                                             "us-disengagement"],
                            "protocols": ["compromise", "nash"], "rounds": 4,
                            "replicates": 2,
                            "parameters": {"us_engagement": [0.3, 0.8]}})
    run_experiment(exp, tmp_path / "res", workers=1, progress=False)
    assert main(["report", str(tmp_path / "res"), "--out", str(tmp_path / "rep")]) == 0
    figures = json.loads((tmp_path / "rep" / "figures.json").read_text())
    groups = {f["group"] for f in figures.values()}
    assert {"scenario", "protocol", "us_engagement"} <= groups and None in groups
    defs = scales()
    for name, f in figures.items():
        assert (tmp_path / "rep" / name).is_file()
        key = next(k for k in defs if name.startswith(f"outcomes_{k}") or
                   (k == "outcome" and name.startswith("outcomes")
                    and not any(name.startswith(f"outcomes_{r}") for r in defs)))
        s = defs[key]
        assert f["x"] == s.axis_title()
        if key == "outcome":  # the ends named as the model labels them
            assert f"{s.lo:g} = {label(s.lo)}" in f["x"] and f"{s.hi:g} = {label(s.hi)}" in f["x"]
    by_scen = next(f for f in figures.values() if f["group"] == "scenario")
    assert by_scen["levels"] == ["baseline-2024", "us-disengagement"]
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "by scenario" in page
