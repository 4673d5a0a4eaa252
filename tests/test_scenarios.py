"""Scenario files: the built-ins load; bad files get one clear error naming file, field, value."""

import pytest

from model.inputs.data import DataError, load_actors, load_issues
from model.inputs.scenario import list_scenarios, load_scenario
from model.world import build_world

BUILT_IN = ["baseline-2024", "us-disengagement", "eu-autonomy-push", "blockage-lifted"]


def test_built_in_scenarios_load_and_build():
    assert set(BUILT_IN) <= set(list_scenarios())
    actors, issues = load_actors(), load_issues()
    for name in BUILT_IN:
        sc = load_scenario(name)
        w = build_world(actors, issues, sc)
        assert w.base_eu.shape == w.base_nato.shape == (len(actors), len(issues))


def test_extends_merges_and_appends_events():
    sc = load_scenario("us-disengagement")
    assert sc.parameters.us_engagement == 0.8  # from baseline-2024
    assert [e.round for e in sc.events] == [5, 10, 10]


@pytest.mark.parametrize(("body", "field", "value"), [
    ('[actors.XYZ]\ncompetition = 0.3\n', "actors.XYZ", "XYZ"),
    ('[actors.POL.eu_role]\nukr_training = 140\n', "actors.POL.eu_role", "140"),
    ('[actors.POL]\ncompetition = nan\n', "actors.POL.competition", "nan"),
    ('[actors.POL.salience]\nukr_aid = -0.2\n', "actors.POL.salience", "-0.2"),
    ('[actors.POL.nato_role]\nnot_an_issue = 40\n', "actors.POL.nato_role.not_an_issue",
     "not_an_issue"),
    ('[issues.nope]\neu_venue = "olp"\n', "issues.nope", "nope"),
    ('[issues.ukr_aid]\neu_venue = "qmv"\n', "issues.ukr_aid.eu_venue", "qmv"),
    ('[issues.ukr_aid.status_quo]\neu_role = 130\nnato_role = 3\n',
     "issues.ukr_aid.status_quo.eu_role", "130"),
    ('[stances.HUN]\nblock = ["nope"]\n', "stances.HUN.block", "nope"),
    ('start = "2024-13"\n', "start", "2024-13"),
    ('[[events]]\nround = 3\ntarget = "bloc.nowhere.competition"\nvalue = 0.2\n',
     "events[0].target", "bloc.nowhere.competition"),
    ('[parameters]\nus_engagement = 1.7\n', "parameters.us_engagement", "1.7"),
])
def test_bad_files_name_file_field_and_value(tmp_path, body, field, value):
    f = tmp_path / "bad.toml"
    f.write_text('name = "bad"\nextends = "baseline-2024"\n' + body)
    with pytest.raises(DataError) as exc:
        sc = load_scenario(f)
        build_world(load_actors(), load_issues(), sc)
    msg = str(exc.value)
    assert str(f) in msg and field in msg and value in msg, msg


def test_missing_scenario_lists_the_built_ins():
    with pytest.raises(DataError, match="baseline-2024"):
        load_scenario("no-such-scenario")
