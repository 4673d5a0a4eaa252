"""Issue 23's items 10-12 (tracebacks, wrong exit codes, nonsense accepted), each through
the real command: one clean line and exit 2, or the sensible thing."""

import contextlib
import io
import json
import math
from pathlib import Path

import pytest

from cli.main import main

TUNE = ('name = "t"\nrounds = 3\nseeds = [1]\n[parameters]\n'
        'us_engagement = {{low = 0.3, high = 1.0{bound}}}\n[[targets]]\n{target}\n')
METRIC = 'kind = "metric"\nmetric = "gap_index"\nvalue = 0.1'
TABLE = "actor,capability,position,salience\nA,0.5,{a},0.8\nB,0.3,{b},0.5\nC,0.2,90,1\n"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def refused(args: list[str], *words: str) -> None:
    code, _, err = run(*args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    assert "Traceback" not in err and "internal error" not in err
    assert all(w in lines[0] for w in words), err


def _all_actor_ids() -> list[str]:
    from model.inputs.data import load_actors

    return [a.id for a in load_actors()]


SCENARIOS = {
    "capability-1e308": ('[actors.POL]\ncapability = 1e308\n', "less than or equal to"),
    "all-capabilities-0": ("".join(f"[actors.{a}]\ncapability = 0\n" for a in _all_actor_ids()),
                           "every actor's capability is 0"),
    "stance-AUT-in-nato": ('[stances.AUT]\nblock = ["ukr_aid"]\nhouses = ["nato"]\n',
                           "AUT does not sit in nato"),
    "stance-USA-in-council": ('[stances.USA]\nblock = ["ukr_aid"]\nhouses = ["eu_council"]\n',
                              "USA does not sit in eu_council"),
    "stance-no-house": ('[stances.HUN]\nblock = ["ukr_aid"]\nhouses = []\n',
                        "at least one house"),
    "block-and-step-aside": ('[stances.HUN]\nblock = ["ukr_aid"]\nstep_aside = ["ukr_aid"]\n',
                             "both block and step_aside"),
    "10000-rounds-x-120-months": ("rounds = 10000\nmonths_per_round = 120\n",
                                  "span more than 1,000 years"),
}


@pytest.mark.parametrize("case", list(SCENARIOS))
def test_nonsense_scenarios_are_refused(tmp_path, case):
    body, words = SCENARIOS[case]
    head, rest = ("", body) if body.startswith("rounds") else ("", body)
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "baseline-2024"\n{head}{rest}')
    refused(["run", "--scenario", str(f)] + ([] if "rounds" in body else ["--rounds", "1"]),
            str(f), words)


def test_an_empty_scenario_file_is_refused(tmp_path):
    f = tmp_path / "empty.toml"
    f.write_text("")
    refused(["run", "--scenario", str(f), "--rounds", "1"], "the scenario file is empty")


@pytest.mark.parametrize("bound,target,words", [
    (", log = true, step = 0.1", METRIC, "cannot have a step"),
    (", step = 1e-300", METRIC, "more than 1,000,000,000 values"),
    ("", 'kind = "outcome"\nissue = "ukr_training"\nrole = "eu"\nvalue = 1e6', "[0, 100]"),
    ("", 'kind = "outcome"\nissue = "ukr_training"\nrole = "eu"\nvalue = -50', "[0, 100]"),
    ("", 'kind = "rounds"\nvalue = -5', "rounds to agreement"),
    ("", 'kind = "together"\nactors = ["POL", "POL"]\nvalue = 1', "named twice"),
])
def test_nonsense_tune_files_are_refused_before_any_trial(tmp_path, bound, target, words):
    f = tmp_path / "t.toml"
    f.write_text(TUNE.format(bound=bound, target=target))
    out = tmp_path / "o"
    refused(["tune", str(f), "--trials", "1", "--out", str(out)], words)
    assert not (out / "study.db").exists()


def test_sensitivity_with_no_method_is_refused(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\nrounds = 3\nseeds = [1]\nmethods = []\n[parameters]\n'
                 'us_engagement = {low = 0.3, high = 1.0}\n')
    refused(["sensitivity", str(f), "--dry-run", "--out", str(tmp_path / "o")], "methods")


@pytest.mark.parametrize("a,b,words", [("1e200", "-1e200", "beyond ±1e+12"),
                                       ("1e308", "10", "beyond ±1e+12"),
                                       ("1_0", "60", "not a number"),
                                       ("٣", "60", "not a number"),
                                       ("１０", "60", "not a number")])
@pytest.mark.parametrize("command", [["compare"], ["forecast", "--protocol", "nash"]])
def test_table_numbers_python_reads_but_a_table_does_not_mean(tmp_path, a, b, words, command):
    t = tmp_path / "t.csv"
    t.write_text(TABLE.format(a=a, b=b), encoding="utf-8")
    refused([command[0], str(t), *command[1:]], str(t), words)


def test_a_repeated_position_header_is_refused(tmp_path):
    t = tmp_path / "t.csv"
    t.write_text("actor,capability,position,position,salience\nA,1,10,20,1\nB,1,90,80,1\n")
    refused(["forecast", str(t)], "a second position column")


def test_compare_scenarios_checks_its_out_before_the_runs(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    refused(["compare-scenarios", "baseline-2024", "us-disengagement", "--seeds", "2",
             "--out", str(f), "--workers", "1"], "is a file, not a folder")


def test_api_keywords_protocol_empty_and_lean_no_are_refused():
    from model.inputs.data import DataError
    from model.model import EuNatoModel

    with pytest.raises(DataError, match="unknown protocol ''"):
        EuNatoModel(protocol="", rounds=1, rng=1)
    with pytest.raises(DataError, match="lean"):
        EuNatoModel(lean="no", rounds=1, rng=1)


def _no_nan(text: str) -> None:
    def bad(token: str) -> None:
        raise AssertionError(f"{token} in JSON output")
    json.loads(text, parse_constant=bad)


def test_json_outputs_never_hold_nan(tmp_path):
    from model.io.safeio import json_text

    doc = json_text({"a": math.nan, "b": [math.inf, 1.5], "c": {"d": -math.inf}})
    _no_nan(doc)
    assert json.loads(doc) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline-2024"\n[actors.POL]\ncapability = 1e6\n')
    code, out, err = run("run", "--scenario", str(f), "--rounds", "3", "--out",
                         str(tmp_path / "o"), "--format", "json")
    assert code == 0, err
    _no_nan(out)
    _no_nan((tmp_path / "o" / "summary.json").read_text())


def test_control_characters_in_names_never_reach_the_terminal_raw(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline-2024"\nname = "x\\u001b[2J\\u001b]0;owned\\u0007"\n')
    code, out, err = run("run", "--scenario", str(f), "--rounds", "1")
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J" in out
    t = tmp_path / "t.csv"
    t.write_text("actor,capability,position,salience\n\x1b[31mA,0.5,10,0.8\nB,0.3,60,0.5\n")
    code, out, err = run("forecast", str(t), "--rounds", "1")
    assert code == 0, err
    assert "\x1b" not in out + err


def test_the_app_close_route_without_a_session_is_a_400_not_a_500():
    import asyncio

    from starlette.requests import Request

    from app.patches import CLOSE_ROUTE, fix_close_route

    assert fix_close_route()
    from solara.server import starlette as server

    route = next(r for r in server.app.router.routes if getattr(r, "path", None) == CLOSE_ROUTE)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(msg: dict) -> None:
        sent.append(msg)

    scope = {"type": "http", "method": "POST", "path": "/_solara/api/close/x",
             "path_params": {"kernel_id": "x"}, "query_string": b"", "headers": [],
             "app": server.app}
    assert Request(scope).query_params.get("session_id") is None
    asyncio.run(route.app(scope, receive, send))
    assert sent[0]["status"] == 400


def test_solara_run_app_is_sent_to_loopback_whatever_host_says(monkeypatch):
    from app.patches import loopback_unless_asked

    monkeypatch.delenv("EUNATO_APP_HOST", raising=False)
    solara = str(Path("/venv/bin/solara"))
    assert loopback_unless_asked([solara, "run", "app"], "127.0.0.2") == [
        solara, "run", "app", "--host", "127.0.0.1"]
    assert loopback_unless_asked([solara, "run", "app"], "0.0.0.0") is not None
    # a flag asks for another address; loopback already; another program
    assert loopback_unless_asked([solara, "run", "app", "--host", "0.0.0.0"], "0.0.0.0") is None
    assert loopback_unless_asked([solara, "run", "app", "--host=::"], "::") is None
    assert loopback_unless_asked([solara, "run", "app"], "localhost") is None
    assert loopback_unless_asked(["pytest", "run"], "127.0.0.2") is None
    monkeypatch.setenv("EUNATO_APP_HOST", "0.0.0.0")  # `eunato app --host` chose it
    assert loopback_unless_asked([solara, "run", "app"], "0.0.0.0") is None


def test_tune_on_a_full_disk_is_exit_1_and_blames_no_option(tmp_path):
    from test_durability import _in_small_tmpfs

    f = tmp_path / "t.toml"
    f.write_text(TUNE.format(bound="", target=METRIC))
    res = _in_small_tmpfs(tmp_path, f"""
        import json, os, subprocess, sys
        out = os.path.join(os.environ["MNT"], "out")
        r = subprocess.run([sys.executable, "-m", "cli.main", "tune", "{f}", "--trials", "2",
                            "--out", out], capture_output=True, text=True)
        print(json.dumps({{"rc": r.returncode, "err": r.stderr}}))
    """, size="24k")
    lines = res["err"].strip().splitlines()
    assert res["rc"] == 1 and "Traceback" not in res["err"], res["err"]
    assert "--storage" not in lines[-1] and "disk is full" in lines[-1], res["err"]
