"""The faster engine paths give the same numbers as the plain ones (docs/batches.md).

Each rewritten helper is compared with the straightforward version it replaced (kept here
only, as the reference) on random inputs, and a batch row (no explanations, no agent
collection) with the full run's summary."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.runs import flat_summary, run_one
from model.coalitions import CoalitionRule, relabel, update
from model.institutions.houses import piece_vote
from model.model import EuNatoModel
from model.protocols.base import weighted_median
from model.results import explain
from model.state import BargainingState


def relabel_ref(labels: np.ndarray, capability: np.ndarray) -> np.ndarray:
    out = np.empty_like(labels)
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        out[members] = members[np.argmax(capability[members])]
    return out


def update_ref(labels, position, ideal, salience, capability, rng, rule, width=100.0):
    """The sequential rule, one mover at a time: each values every coalition as the others
    form it, its sums taken afresh over the members in index order (its own coalition's
    less its share)."""
    n, m = position.shape
    total = max(capability.sum(), 1e-12)
    w = capability[:, None] * salience + 1e-12
    wp = w * position
    lab = labels.copy()
    s = salience
    ssum = np.maximum(s.sum(axis=1), 1e-12)
    moved = 0
    for i in rng.permutation(np.flatnonzero(rng.random(n) < rule.activity)):
        cur = lab[i]
        num, den = np.zeros((n, m)), np.zeros((n, m))
        cap, size = np.zeros(n), np.zeros(n, int)
        for a in range(n):  # every actor, in index order
            num[lab[a]] += wp[a]
            den[lab[a]] += w[a]
            cap[lab[a]] += capability[a]
            size[lab[a]] += 1
        num[cur] -= wp[i]  # the mover's own coalition without it
        den[cur] -= w[i]
        cap[cur] -= capability[i]
        size[cur] -= 1
        slots = np.flatnonzero(size > 0)
        X = num[slots] / np.maximum(den[slots], 1e-300)
        dist = (np.abs(ideal[i] - X) / width * s[i]).sum(axis=1) / ssum[i]
        pay = rule.benefit * (cap[slots] + capability[i]) / total * (rule.threshold - dist)
        alone = rule.benefit * capability[i] / total * rule.threshold
        here = np.flatnonzero(slots == cur)
        current = pay[here[0]] if here.size else alone
        best = int(np.argmax(pay)) if slots.size else -1
        target = cur
        margin = rule.margin * alone
        if best >= 0 and slots[best] != cur and pay[best] > max(current, alone) + margin:
            target = slots[best]
        elif here.size and alone > current + margin:
            target = int(np.flatnonzero(size == 0)[0])
        if target != cur:
            lab[i] = target
            moved += 1
    return relabel_ref(lab, capability), moved


def median_ref(state: BargainingState) -> np.ndarray:
    w = state.capability[:, None] * state.salience
    out = np.empty(state.m)
    for j in range(state.m):
        x = state.position[:, j]
        order = np.argsort(x, kind="stable")
        cw = np.cumsum(w[order, j])
        if cw[-1] <= 0:
            out[j] = float(np.median(x))
            continue
        k = int(np.searchsorted(cw, 0.5 * cw[-1]))
        out[j] = x[order[min(k, len(x) - 1)]]
    return out


@pytest.mark.parametrize("seed", range(60))
def test_relabel_and_coalition_moves_equal_the_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 30)), int(rng.integers(1, 7))
    cap = rng.choice([0.0, 0.5, 1.0], n) if seed % 2 else rng.random(n)
    # many singletons, or a few coalitions holding everyone (as once coalitions settle)
    labels = rng.integers(0, n if seed % 3 else max(1, n // 6), n)
    assert np.array_equal(relabel(labels, cap), relabel_ref(labels, cap))
    labels = relabel(labels, cap)
    ideal = rng.uniform(0, 100, (n, m))
    pos = np.clip(ideal + rng.normal(0, 10, (n, m)), 0, 100)
    sal = rng.uniform(0, 1, (n, m))
    rule = CoalitionRule(threshold=float(rng.uniform(0.05, 0.4)), activity=0.7)
    for _ in range(5):  # several rounds, each from where the last left the labels
        a = update(labels, pos, ideal, sal, cap, np.random.default_rng(seed), rule)
        b = update_ref(labels, pos, ideal, sal, cap, np.random.default_rng(seed), rule)
        assert np.array_equal(a[0], b[0]) and a[1] == b[1]
        labels = a[0]


@pytest.mark.parametrize("seed", range(40))
def test_coalition_moves_with_the_stay_memory_equal_the_loop(seed: int) -> None:
    """Round after round, with the memory of who stays (single runs and ensembles keep
    it) and the passes that value only the two coalitions a move changed, the moves are
    the sequential rule's."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 40)), int(rng.integers(1, 6))
    cap, ideal, sal = rng.random(n), rng.uniform(0, 100, (n, m)), rng.uniform(0, 1, (n, m))
    rule = CoalitionRule(threshold=float(rng.uniform(0.05, 0.4)),
                         activity=float(rng.uniform(0.2, 0.9)))
    labels, stay = relabel(rng.integers(0, n, n), cap), np.zeros(n, bool)
    ra, rb = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    for _ in range(8):
        a = update(labels, ideal, ideal, sal, cap, ra, rule, stay=stay)
        b = update_ref(labels, ideal, ideal, sal, cap, rb, rule)
        assert np.array_equal(a[0], b[0]) and a[1] == b[1]
        labels = a[0]


@pytest.mark.parametrize("seed", range(40))
def test_weighted_median_equals_the_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 12)), int(rng.integers(1, 6))
    pos = rng.choice([0.0, 10.0, 50.0], (n, m)) if seed % 2 else rng.uniform(0, 100, (n, m))
    sal = rng.uniform(0, 1, (n, m))
    sal[rng.random((n, m)) < 0.3] = 0.0
    cap = rng.uniform(0, 1, n)
    state = BargainingState([str(i) for i in range(n)], [str(j) for j in range(m)], pos, pos,
                            sal, cap, 1.0, True, np.zeros(m), 0.0, 100.0)
    assert np.array_equal(weighted_median(state), median_ref(state))


@pytest.mark.parametrize(("scenario", "protocol", "seed"), [
    ("baseline-2024", "compromise", 1), ("us-disengagement", "compromise", 5),
    ("blockage-lifted", "bdm", 2), ("eu-autonomy-push", "nash", 3),
    ("baseline-2024", "exchange", 4), ("us-disengagement", "bdm", 7)])
def test_lean_run_and_batch_row_equal_the_full_run(scenario: str, protocol: str,
                                                   seed: int) -> None:
    """A lean run (batches: no per-round records, interactions, medians or coalition log)
    is the same run as the full model's (every reporter, agent records): the same
    summary, explanations included, the same arrays; and the batch row is the full run's.
    A summary without explanations differs only in them."""
    params = {"scenario": scenario, "protocol": protocol, "seed": seed}
    row, _ = run_one(params)
    full = EuNatoModel(scenario, protocol=protocol, rng=seed, collect_agents=True).run()
    summary = full.summary()
    assert summary["explanations"]
    assert row == {**params, **flat_summary(summary)}
    lean = EuNatoModel(scenario, protocol=protocol, rng=seed, lean=True).run()
    assert lean.summary() == summary
    for name in ("outcome", "forecast", "proposal", "coalition", "settled_round"):
        assert np.array_equal(getattr(lean, name), getattr(full, name), equal_nan=True)
    assert np.array_equal(lean.state.position, full.state.position)
    assert np.array_equal(np.array(lean.partitions), np.array(full.partitions))
    assert lean.datacollector.get_model_vars_dataframe().empty
    assert not lean.interactions and (full.interactions or protocol not in ("bdm", "exchange"))
    quick = lean.summary(explanations=False)
    for a, b in zip(summary["issues"], quick["issues"], strict=True):
        assert {**a, "pivotal": None} == b
    assert {k: v for k, v in summary.items() if k not in ("issues", "explanations")} == \
        {k: v for k, v in quick.items() if k not in ("issues", "explanations")}


def test_cached_data_files_give_fresh_records(tmp_path, monkeypatch) -> None:
    """Parsing is cached per process, but every load validates anew: a caller changing
    its records changes nobody else's, and an edited file is read again."""
    from model.inputs.data import DATA_DIR, load_actors

    a = load_actors()
    a[0].decoupling_fear = 0.123
    a[0].memberships.append("X")
    b = load_actors()
    assert b[0].decoupling_fear != 0.123 and "X" not in b[0].memberships
    p = tmp_path / "actors.toml"
    text = (DATA_DIR / "actors.toml").read_text()
    p.write_text(text)
    first = load_actors(p)[0].name
    p.write_text(text.replace(f'name = "{first}"', 'name = "Renamed"', 1))
    assert load_actors(p)[0].name == "Renamed"


def numerator_ref(x, cs, w, rho=None):
    """BDM's O(n² log n) numerator with both binary searches done everywhere."""
    from model.protocols import bdm

    n = len(x)
    order = np.argsort(x, kind="stable")
    xs, css = x[order], cs[order]
    rs = None if rho is None else np.asarray(rho, dtype=float)[order]
    CG = np.empty((n + 1, n))
    CG[0] = 0.0
    for a in range(0, n, bdm.CHUNK):
        rows = np.arange(a, min(a + bdm.CHUNK, n))
        CG[a + 1:a + 1 + len(rows)] = css[rows, None] * bdm._g(xs, w, rs, rows)
    np.cumsum(CG, axis=0, out=CG)
    tot = CG[n]
    Ns = np.empty((n, n))
    cols = np.arange(n)[None, :]
    for a in range(0, n, bdm.CHUNK):
        i = np.arange(a, min(a + bdm.CHUNK, n))[:, None]
        xi = xs[i]
        m = 0.5 * (xi + xs[None, :])
        lo = np.searchsorted(xs, m, side="left")
        hi = np.searchsorted(xs, m, side="right")
        left = CG[lo, cols] - CG[lo, i]
        right = (tot[cols] - CG[hi, cols]) - (tot[i] - CG[hi, i])
        Ns[i[:, 0]] = np.where(xi < xs[None, :], left, np.where(xi > xs[None, :], right, 0.0))
    np.maximum(Ns, 0.0, out=Ns)
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.arange(n)
    return Ns[np.ix_(inv, inv)]


@pytest.mark.parametrize("seed", range(30))
def test_bdm_numerator_equals_both_searches(seed: int) -> None:
    """Voters on a midpoint (grid positions) and not; risk exponents or none."""
    from model.protocols.bdm import success_numerator_fast

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    x = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], n) if seed % 2 else rng.uniform(0, 100, n)
    cs = rng.random(n)
    rho = None if seed % 3 else rng.uniform(0.5, 2, n)
    assert np.array_equal(success_numerator_fast(x, cs, 100.0, rho),
                          numerator_ref(x, cs, 100.0, rho))


def test_close_is_allclose() -> None:
    from model.institutions.houses import _close

    rng = np.random.default_rng(0)
    for _ in range(3000):
        a = rng.choice([0.0, 50.0, 100.0, rng.uniform(0, 100)], 2)
        b = a + rng.choice([0.0, 1e-3, 0.05, 0.1, 0.2, 5.0, np.nan], 2) \
            * rng.choice([-1.0, 1.0], 2)
        atol = float(rng.choice([0.0, 0.05, 0.1]))
        assert _close(a, b, atol) == bool(np.allclose(a, b, atol=atol)), (a, b, atol)


@pytest.mark.parametrize(("scenario", "seed"), [
    ("baseline-2024", 1), ("us-disengagement", 2), ("blockage-lifted", 3),
    ("eu-autonomy-push", 4), ("baseline-2024", 5), ("blockage-lifted", 6)])
def test_all_pieces_in_one_vote_equal_each_piece_alone(scenario: str, seed: int) -> None:
    """The round's votes (every issue's pieces as one array program) give each piece the
    verdict its own vote gives, at several rounds and on random proposals."""
    from model.institutions.houses import piece_vote, piece_votes

    rng = np.random.default_rng(seed)
    model = EuNatoModel(scenario, rng=seed)
    for _ in range(4):
        for _ in range(int(rng.integers(1, 8))):
            model.step()
        reqs = []
        for j in range(model.m):
            for piece in ("eu", "nato", "joint"):
                grid = rng.choice([0.0, 25.0, 50.0, 100.0], 2)
                prop = rng.uniform(0, 100, 2) if rng.random() < 0.6 else grid
                reqs.append((j, piece, prop[None, :] if piece == "joint" else prop[:1]))
        order = rng.permutation(len(reqs))
        reqs = [reqs[i] for i in order]
        for (j, piece, prop), got in zip(reqs, piece_votes(model, reqs), strict=True):
            ref = piece_vote(model, j, piece, prop)
            assert ref.houses == got.houses
            for name in ("adopted", "yes", "no", "abstain"):
                assert np.array_equal(getattr(ref, name), getattr(got, name)), (j, piece)
            for h in ref.houses:
                assert np.array_equal(ref.house_ok[h], got.house_ok[h]), (j, piece, h)


@pytest.mark.parametrize("seed", range(24))
def test_bdm_on_every_issue_at_once_equals_each_issue_alone(seed: int) -> None:
    """BDM's (issues × actors × actors) round gives each column exactly the one-issue
    round's positions, risk exponents and offers (grid positions, so midpoint ties;
    every parameter; groups of columns smaller than the table)."""
    from model.protocols import bdm_arrays
    from model.protocols.bdm import bdm_round
    from model.protocols.bdm_arrays import KINDS, bdm_rounds

    rng = np.random.default_rng(seed)
    n, C = int(rng.integers(2, 40)), int(rng.integers(1, 9))
    grid = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (n, C))
    x = grid if seed % 2 else rng.uniform(0, 100, (n, C))
    if seed % 5 == 0:
        x[: n // 2] = x[0]  # a block of actors on one position
    s = rng.uniform(0, 1, (n, C))
    s[rng.random((n, C)) < 0.2] = 0.0
    c = rng.uniform(0, 1, n)
    w = rng.choice([100.0, 160.0], C)
    opts = {"Q": float(rng.choice([1.0, 0.5])), "denominator": str(rng.choice(["all", "pair"])),
            "vote_risk": bool(seed % 3), "offer_rule": str(rng.choice(["scholz", "least"]))}
    if seed % 4 == 0:
        bdm_arrays.CELLS, cells = n * n * 2, bdm_arrays.CELLS  # two columns a group
    try:
        new, risk, offers = bdm_rounds(x, s, c, w, **opts)
    finally:
        if seed % 4 == 0:
            bdm_arrays.CELLS = cells
    got = list(zip(*(offers[k].tolist() for k in ("issue", "a", "b", "kind", "offer", "eu",
                                                  "eu_other")), strict=True)) if offers else []
    want = []
    for j in range(C):
        pos, r, accepted = bdm_round(x[:, j], s[:, j], c, w[j], **opts)
        assert np.array_equal(new[:, j], pos) and np.array_equal(risk[:, j], r)
        want += [(j, o["a"], o["b"], KINDS.index(o["kind"]), o["offer"], o["eu"],
                  o["eu_other"]) for o in accepted]
    assert got == want


def pivotal_ref(model, j: int) -> list[str]:
    """The pivot test issue by issue, piece by piece (the version pivot.py replaced)."""
    m, n = model.m, model.state.n
    ids = model.state.actor_ids
    sq_now = model.outcome.copy()
    # votes are against the status quo the proposal faced
    model.outcome[[j, m + j]] = model.status_quo0[[j, m + j]]
    found: set[str] = set()
    try:
        for piece in explain._pieces(model, j):
            if piece == "joint":
                prop = model.proposal[[j, m + j]][None, :]
            else:
                prop = np.array([model.proposal[j if piece == "eu" else m + j]])
            base = piece_vote(model, j, piece, prop)
            yes, no = base.yes[:, 0], base.no[:, 0]
            block = np.repeat(model.world.block[:, j][:, None], n + 1, axis=1)
            aside = np.repeat(model.world.step_aside[:, j][:, None], n + 1, axis=1)
            k = np.arange(n)
            block[k[yes], 1 + k[yes]] = True  # a yes turns into a no
            aside[k[no], 1 + k[no]] = True  # a no stays away
            block[k[no], 1 + k[no]] = False
            prop_g = np.repeat(prop, n + 1, axis=0) if piece == "joint" else np.repeat(prop, n + 1)
            v = piece_vote(model, j, piece, prop_g, block=block, aside=aside)
            flips = np.flatnonzero(v.adopted[1:] != v.adopted[0])
            found |= {ids[i] for i in flips if yes[i] or no[i]}
    finally:
        model.outcome[:] = sq_now
    return sorted(found)


@pytest.mark.parametrize(("scenario", "protocol"), [
    ("baseline-2024", "compromise"), ("us-disengagement", "compromise"),
    ("blockage-lifted", "exchange"), ("eu-autonomy-push", "compromise")])
def test_pivot_tests_of_many_issues_and_runs_equal_each_alone(scenario: str,
                                                              protocol: str) -> None:
    """Every issue of several runs (with other parameters) tested together gives each
    issue's own answer, and the pivot test issue by issue."""
    models = [EuNatoModel(scenario, protocol=protocol, rng=seed, lean=True,
                          us_engagement=[0.2, 0.9][seed % 2], rounds=[48, 20][seed % 2]).run()
              for seed in range(4)]
    cases = [(mdl, j) for mdl in models for j in range(mdl.m)]
    together = explain.pivotal_of(cases)
    assert any(together)
    for (mdl, j), got in zip(cases, together, strict=True):
        assert got == explain.pivotal(mdl, j) == pivotal_ref(mdl, j)


@pytest.mark.parametrize("seed", range(20))
def test_partition_stability_equals_every_pair_compared(seed: int) -> None:
    """Only the pillars whose labels changed are compared pair by pair; the result is
    the plain formula's, bit for bit."""
    from types import SimpleNamespace

    from model.results.summary import partition_stability

    rng = np.random.default_rng(seed)
    n, p, t = int(rng.integers(2, 30)), int(rng.integers(1, 4)), int(rng.integers(1, 40))
    parts = [rng.integers(0, max(1, n // 3), (p, n))]
    for _ in range(t):  # most rounds keep their labels, some change a few
        nxt = parts[-1].copy()
        if rng.random() < 0.3:
            nxt[rng.integers(p), rng.integers(n)] = rng.integers(n)
        parts.append(nxt)
    arr = np.array(parts)
    iu = np.triu_indices(n, 1)
    together = (arr[..., :, None] == arr[..., None, :])[..., iu[0], iu[1]]
    plain = float((together[:-1] == together[1:]).mean(axis=2).mean())
    assert partition_stability(SimpleNamespace(partitions=parts)) == plain
