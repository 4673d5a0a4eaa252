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
from model.inputs.scenario import list_scenarios
from model.protocols import PROTOCOLS

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
    from model.inputs.scenario import MAX_ROUNDS
    from model.model import EuNatoModel

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


@pytest.mark.parametrize("text", ["1_000", "٣", "１０", "1_0", "0x10", "1e3"])
def test_seed_and_rounds_take_plain_ascii_digits_only(text):
    """Issue 23, 12: the seed and rounds fields and the permalink accepted "1_000", "٣"
    and "１０" (Python's int() reads them); the input box, the link and the CLI now refuse
    them with one sentence, through the same parser (model.io.safeio.plain_number)."""
    import argparse

    from app.settings import from_query, parse
    from model.io.safeio import int_in

    for key in ("rng", "rounds"):
        value, err = parse(key, text)
        assert value is None and err and repr(text) in err
    got, errors = from_query(f"seed={text}&rounds={text}")
    assert len(errors) == 2 and got["rng"] == from_query("")[0]["rng"]
    with pytest.raises(argparse.ArgumentTypeError, match="not a whole number"):
        int_in(0, 10**6)(text)


def test_plain_numbers_still_read():
    from app.settings import parse

    assert parse("rng", " 42 ") == (42, None)
    assert parse("us_engagement", "0.25") == (0.25, None)
    assert parse("us_engagement", "0_25")[0] is None


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


def test_the_real_server_has_no_cdn_proxy_and_serves_assets_locally(tmp_path):
    """Solara's CDN proxy is off: an unknown ``/_solara/cdn/<x>`` is a 404 with no outbound
    attempt (the proxy used to try a CDN four times, about 7 s), and the page takes its
    front end from this server's own static route."""
    from app.offline import cache_dir
    from app.serve import LOCAL_CDN, serving

    # the real server with the app's environment, on a one-line page (the asset routes
    # do not depend on the page)
    page = tmp_path / "page.py"
    page.write_text("import solara\n\n\n@solara.component\n"
                    "def Page():\n    solara.Text('x')\n")
    log = tmp_path / "server.log"
    answers = {}
    with open(log, "w") as fh, serving(log=fh, app_dir=page) as url:
        html = urllib.request.urlopen(url, timeout=30).read().decode()
        for path in ["_solara/cdn/no-such-package@1.0.0/x.js",
                     "_solara/cdn/requirejs@2.3.6/require.js",
                     f"{LOCAL_CDN.strip('/')}/no-such-package@1.0.0/x.js",
                     f"{LOCAL_CDN.strip('/')}/../../../etc/passwd"]:
            t0 = time.monotonic()
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url + path, timeout=30)
            answers[path] = (err.value.code, time.monotonic() - t0)
        local = f"{LOCAL_CDN.strip('/')}/requirejs@2.3.6/require.js"
        has_requirejs = (cache_dir() / "requirejs@2.3.6" / "require.js").is_file()
        if has_requirejs:
            got = urllib.request.urlopen(url + local, timeout=30).read()
            assert got == (cache_dir() / "requirejs@2.3.6" / "require.js").read_bytes()
    text = log.read_text()
    assert f'solara.cdn = "{LOCAL_CDN}"' in html
    assert f'src="{LOCAL_CDN}/requirejs@2.3.6/require.js"' in html
    assert "_solara/cdn" not in html and "jsdelivr" not in html
    # no fetch was attempted at all (the proxy logs "Could not load URL" per attempt)
    assert "Could not load URL" not in text and "jsdelivr" not in text, text[-2000:]
    for path, (code, elapsed) in answers.items():
        assert code == 404, (path, code)
        # a generous bound: the proxy took about 7 s; a plain 404 takes milliseconds
        assert elapsed < 3, (path, elapsed)
