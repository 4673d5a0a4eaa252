"""The app accepts only listed scenario names and bounded numbers, whatever a client sends
over the widget channel; it warns when bound beyond loopback; it never calls a CDN."""

import math
import time
import urllib.error
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.guard import Rejected, accept, exposure_warning, is_loopback
from app.settings import ROUNDS, SEED_MAX, check
from model.protocols import PROTOCOLS
from model.scenario import list_scenarios

KEYS = ["scenario_name", "protocol", "rounds", "rng", "us_engagement",
        "participation_blockage", "eastern_flank_decoupling_fear", "eu_core_competition",
        "colour"]
ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                st.text(max_size=40), st.lists(st.integers(), max_size=3),
                st.sampled_from(["/etc/passwd", "../../data/scenarios/baseline-2024.toml",
                                 "/dev/zero", ".", "baseline-2024.toml", "data/scenarios",
                                 "baseline-2024 ", -1, 10**9, float("inf")]))


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(KEYS), value=ANY)
def test_any_value_is_accepted_within_bounds_or_rejected_cleanly(key, value):
    try:
        v = accept(key, value)
    except Rejected as err:
        assert str(err)
        return
    if key == "scenario_name":
        assert v in list_scenarios()
    elif key == "protocol":
        assert v in PROTOCOLS
    elif key == "rounds":
        assert isinstance(v, int) and 1 <= v <= ROUNDS[1]
    elif key == "rng":
        assert isinstance(v, int) and 0 <= v <= SEED_MAX
    elif key == "participation_blockage":
        assert isinstance(v, bool)
    else:
        assert isinstance(v, float) and math.isfinite(v) and 0 <= v <= 1


@pytest.mark.parametrize("key", ["rounds", "rng"])
def test_one_range_for_the_guard_the_input_and_the_engine(key):
    """Review (issue 12): the guard allowed 500 rounds while the slider allowed 200. Now
    the guard, the input check and the model agree at both ends of the engine's range."""
    from model.model import EuNatoModel
    from model.scenario import MAX_ROUNDS

    lo, hi = ROUNDS if key == "rounds" else (0, SEED_MAX)
    if key == "rounds":
        assert hi == MAX_ROUNDS
        EuNatoModel(rounds=hi)  # the engine takes the top of the range ...
        with pytest.raises(ValueError):
            EuNatoModel(rounds=hi + 1)  # ... and refuses one more
    for value in (lo, hi):
        assert accept(key, value) == value and check(key, value) is None
    for value in (lo - 1, hi + 1):
        with pytest.raises(Rejected):
            accept(key, value)
        assert check(key, value) is not None


@pytest.mark.parametrize("name", ["/etc/passwd", "../data/scenarios/baseline-2024.toml",
                                  "/dev/zero", "data/scenarios", "baseline-2024.toml"])
def test_paths_are_never_scenarios(name):
    with pytest.raises(Rejected, match="unknown scenario"):
        accept("scenario_name", name)


def test_every_listed_scenario_is_accepted():
    for name in list_scenarios():
        assert accept("scenario_name", name) == name


@pytest.mark.parametrize("host,exposed", [("127.0.0.1", False), ("localhost", False),
                                          ("::1", False), ("127.8.0.1", False),
                                          ("0.0.0.0", True), ("::", True),
                                          ("192.168.1.5", True), ("example.org", True)])
def test_warning_when_bound_beyond_loopback(host, exposed):
    assert is_loopback(host) is not exposed
    assert (exposure_warning(host) is not None) is exposed


def test_the_real_server_never_fetches_from_a_cdn(tmp_path):
    from app.serve import NO_CDN, serving

    # the real server with the app's environment, on a one-line page (the asset route
    # does not depend on the page)
    page = tmp_path / "page.py"
    page.write_text("import solara\n\n\n@solara.component\n"
                                      "def Page():\n    solara.Text('x')\n")
    log = tmp_path / "server.log"
    with open(log, "w") as fh, serving(log=fh, app_dir=page) as url:
        t0 = time.monotonic()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{url}_solara/cdn/no-such-package@1.0.0/x.js", timeout=30)
        elapsed = time.monotonic() - t0
    text = log.read_text()
    assert "cdn.jsdelivr" not in text
    assert f"Could not load URL: '{NO_CDN}no-such-package@1.0.0/x.js'" in text
    assert elapsed < 15
