"""The actor data file keeps its promises: every datum has its source and year beside it, every
state has a sourced national industrial stake computed by the formula in the file header, and
the European Parliament is there as an EU actor.

These tests read ``data/actors.toml`` as raw TOML as well as through ``load_actors`` so that
fields the engine does not (yet) model are checked too.
"""

from __future__ import annotations

import re

import pytest

from model.inputs.data import DATA_DIR, load_actors, read_toml

YEAR = re.compile(r"\b(19|20)\d\d\b")
#: calibrated model parameters: judgements explained by ``rationale``, not data with a source
PARAMETERS = {"decoupling_fear", "competition", "risk", "home_pole", "engagement",
              "industrial_stance"}
#: numeric data whose source field is not ``<name>_source``
SOURCE_OF = {"institutional_weight": ("budget_source", "influence_source")}
UNIT_SUFFIXES = ("_musd", "_busd", "_pct", "_m")
FLOOR = 0.01


def raw_actors() -> list[dict]:
    return read_toml(DATA_DIR / "actors.toml")["actor"]


def states() -> list[dict]:
    return [a for a in raw_actors() if a["type"] in ("state", "us")]


def source_fields(name: str) -> tuple[str, ...]:
    if name in SOURCE_OF:
        return SOURCE_OF[name]
    stem = name
    for suf in UNIT_SUFFIXES:
        if name.endswith(suf):
            stem = name[: -len(suf)]
            break
    return (f"{stem}_source",)


def test_36_states_27_eu_32_nato():
    s = states()
    assert len(s) == 36
    assert sum("EU" in a["memberships"] for a in s) == 27
    assert sum("NATO" in a["memberships"] for a in s) == 32


@pytest.mark.parametrize("actor", raw_actors(), ids=lambda a: a["id"])
def test_every_numeric_datum_has_its_source_naming_a_year(actor):
    for name, value in actor.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or name in PARAMETERS:
            continue
        for src in source_fields(name):
            text = actor.get(src)
            assert isinstance(text, str) and text.strip(), (
                f"{actor['id']}: {name} = {value} has no {src}")
            if src != "influence_source":  # a judgement note, not a dated datum
                assert YEAR.search(text), f"{actor['id']}: {src} names no year: {text!r}"
    # parameters are judgements and say on what they rest
    assert actor.get("rationale", "").strip(), f"{actor['id']}: no rationale"


@pytest.mark.parametrize("actor", states(), ids=lambda a: a["id"])
def test_every_state_has_a_sourced_positive_industrial_stake(actor):
    stake = actor.get("industrial_stake")
    assert isinstance(stake, float | int) and 0 < stake <= 1, (actor["id"], stake)
    src = actor.get("industrial_stake_source", "")
    assert YEAR.search(src), f"{actor['id']}: industrial_stake_source names no year: {src!r}"
    assert "judgement" in actor.get("industrial_stake_rationale", ""), actor["id"]


def expected_stake(actor: dict, s_ref: float, e_max: float) -> float:
    """The formula of the file header (INDUSTRIAL STAKE)."""
    s = min(1.0, actor["top100_arms_revenue_busd"] / s_ref)
    if "edf_share_pct" in actor:
        return max(FLOOR, 0.5 * s + 0.5 * actor["edf_share_pct"] / e_max)
    return max(FLOOR, s)


def test_stakes_follow_the_header_formula():
    st = states()
    # scale: the largest national total of a state other than the US (the header: the UK)
    s_ref = max(a["top100_arms_revenue_busd"] for a in st if a["type"] == "state")
    e_max = max(a["edf_share_pct"] for a in st if "edf_share_pct" in a)
    off = {a["id"]: (a["industrial_stake"], round(expected_stake(a, s_ref, e_max), 3))
           for a in st if abs(a["industrial_stake"] - expected_stake(a, s_ref, e_max)) > 6e-4}
    assert not off, f"stake differs from the header formula (stored, expected): {off}"


def test_edf_shares_cover_every_eu_state_and_sum_to_100():
    st = states()
    eu = [a for a in st if "EU" in a["memberships"]]
    assert all("edf_share_pct" in a for a in eu), [a["id"] for a in eu if "edf_share_pct" not in a]
    total = sum(a.get("edf_share_pct", 0.0) for a in st)
    assert total == pytest.approx(100.0, abs=1.0)


def test_the_data_loads_and_keeps_the_stake():
    loaded = {a.id: a for a in load_actors()}
    for a in states():
        rec = loaded[a["id"]]
        assert getattr(rec, "industrial_stake", None) == a["industrial_stake"] or (
            (rec.model_extra or {}).get("industrial_stake") == a["industrial_stake"])


def test_the_european_parliament_is_an_eu_actor_with_a_sourced_position():
    ep = [a for a in raw_actors() if a["type"] == "parliament"]
    assert [a["id"] for a in ep] == ["EP"]
    ep = ep[0]
    assert ep["memberships"] == ["EU"]
    assert ep["bloc"] == "eu_institution"
    for name in ("decoupling_fear", "competition", "risk"):
        assert isinstance(ep[name], float | int), name
    assert YEAR.search(ep["position_source"])
    assert ep["rationale"].startswith("judgement")
    rec = {a.id: a for a in load_actors()}["EP"]
    assert rec.eu and not rec.nato and rec.votes


@pytest.mark.parametrize("actor", [a for a in raw_actors()
                                   if a["type"] in ("bureaucracy", "parliament")],
                         ids=lambda a: a["id"])
def test_institutions_say_what_their_influence_is(actor):
    text = actor.get("influence_source", "")
    assert "judgement" in text and ("vote" in text or "Votes" in text), actor["id"]
