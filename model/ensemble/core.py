"""The ensemble engine: R runs of one scenario played in lockstep as one array program.

A batch of many seeds and parameter points spends nearly all of a run's time in small NumPy
calls on (actors × roles) arrays and in Python bookkeeping around them. Here R lean
:class:`~model.model.EuNatoModel` replicates, each built as usual (its own scenario values,
parameters and random generator), share stacked arrays with a leading replicate axis; each
model's position, outcome, proposal, coalition and vote memory are views of its row, so
everything that reads a model after the run (summary, explanations, the pivot test) reads
it as after a single run.

Per round the frequent work runs once for every replicate: coalition moves
(:func:`model.coalitions.update_many`, each replicate drawing from its own generator, in the
single run's order), coordination, the protocol's round when it stacks
(``Protocol.stacked``; otherwise each replicate's protocol plays its own round on its
views), the settle test and the votes on every open issue's pieces, with the commonest
verdict (a piece failed before bargaining has stalled) recorded in arrays. The rare
branches run each replicate's own code on its views: scenario events
(``EuNatoModel.set_parameter``), agreements and agenda setting
(``institutions._decide_issue``) and the end of a run (``EuNatoModel._finish``).

Every sum runs over the same axis and in the same order as in a single run, so each
replicate's run is the single run's exactly, not approximately
(tests/test_ensemble.py compares their summaries over seeds, parameter points, scenarios
with events and protocols that do not stack).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from agents.base import VOTE_TOLERANCE, NegotiationActor
from model import coalitions, reversion
from model.ensemble.votes import PIECES, VoteMemory, vote_round
from model.model import movement

if TYPE_CHECKING:
    from model.model import EuNatoModel


class EnsembleError(ValueError):
    """Models that cannot share one ensemble (different scenarios, shapes or rules)."""


def _signature(model: EuNatoModel) -> tuple:
    """What replicates of one ensemble must share: shapes, scenario timing and rules."""
    w = model.world
    return (model.spec.name, model.protocol_name, type(model.protocol),
            sorted(model.protocol.params.items()), len(w.actors), model.m,
            tuple(model.pillars), tuple(model.pillar_of.tolist()),
            tuple((e.round, e.target, repr(e.value)) for e in model.spec.events),
            model.settle_rounds, model.settle_tolerance, model.abstain_salience,
            model.coalition_rule, tuple(w.actor_ids), tuple(w.eu_venue),
            tuple(w.nato_venue), tuple(w.joint.tolist()),
            model.electorate.eu.tobytes(), model.electorate.nato.tobytes(),
            model.electorate.parliament.tobytes(), model.electorate.population.tobytes(),
            model.lean)


class Ensemble:
    """Play lean models of one scenario (and protocol) together; :meth:`run` leaves each
    model as its own :meth:`EuNatoModel.run` would."""

    def __init__(self, models: list[EuNatoModel]) -> None:
        if not models:
            raise EnsembleError("an ensemble needs at least one model")
        sig = _signature(models[0])
        for k, mdl in enumerate(models):
            if not mdl.lean:
                raise EnsembleError(f"model {k} is not lean: only lean runs share arrays")
            if mdl.steps or not mdl.running:
                raise EnsembleError(f"model {k} has already stepped")
            if _signature(mdl) != sig:
                raise EnsembleError(f"model {k} differs from model 0 in scenario, protocol "
                                    "or shape")
        self.models = models
        first = models[0]
        self.m, self.n = first.m, len(first.world.actors)
        self.protocol = first.protocol
        self.rule = first.coalition_rule
        self.max_rounds = np.array([mdl.max_rounds for mdl in models])
        self.votes = VoteMemory(models)
        st = [mdl.state for mdl in models]
        self.pos = np.stack([s.position for s in st])
        self.outcome = np.stack([mdl.outcome for mdl in models])
        self.sq_cost = np.stack([mdl.sq_cost for mdl in models])
        self.proposal = np.stack([mdl.proposal for mdl in models])
        self.coal = np.stack([mdl.coalition for mdl in models])
        self.pulled = np.stack([mdl.moved["coalition pull"] for mdl in models])
        self.bargained = np.stack([mdl.moved["bargaining"] for mdl in models])
        self.forecast = np.stack([mdl.forecast for mdl in models])
        # what only scenario events change (see _gather)
        self.ideal = np.stack([s.ideal for s in st])
        self.sal = np.stack([s.salience for s in st])
        self.cap = np.stack([s.capability for s in st])
        self.canonical = np.array([mdl._canonical for mdl in models], bool)
        self.stay = np.stack([mdl._stay for mdl in models])
        self._bind_views()
        self.votes.gather(models, list(range(len(models))))
        self._terms: list | None = None  # coalition valuation terms per pillar
        self.forecasts: list[np.ndarray] = []
        self.movements: list[np.ndarray] = []
        self.partitions: list[np.ndarray] = []

    # -- the replicates' views and copies ---------------------------------------------
    def _bind_views(self) -> None:
        """Point each model's per-round arrays at its row of the stacks."""
        for r, mdl in enumerate(self.models):
            mdl.state.position = self.pos[r]
            mdl.outcome, mdl.proposal, mdl.coalition = (self.outcome[r], self.proposal[r],
                                                        self.coal[r])
            mdl.sq_cost = self.sq_cost[r]
            mdl.moved["coalition pull"], mdl.moved["bargaining"] = (self.pulled[r],
                                                                   self.bargained[r])
            mdl.forecast = self.forecast[r]
            mdl.last_vote = self.votes.last_vote[r]

    def _gather(self, rows: list[int]) -> None:
        """After scenario events: copy what only events change (ideals, saliences,
        capabilities, stances, coalition naming) from the models into the stacks; positions
        an event moved (``refresh_preferences`` makes a new array) are copied in and the
        view bound again."""
        for r in rows:
            mdl = self.models[r]
            st = mdl.state
            if not np.shares_memory(st.position, self.pos):
                self.pos[r] = st.position
                st.position = self.pos[r]
            self.ideal[r], self.sal[r], self.cap[r] = st.ideal, st.salience, st.capability
            self.canonical[r] = mdl._canonical
            self.stay[r] = mdl._stay
        self.votes.gather(self.models, rows)

    def sync(self) -> list[EuNatoModel]:
        """The models with every vote recorded in their own lists (as after each round
        of a single run), to inspect them between rounds."""
        for r, mdl in enumerate(self.models):
            self.votes.materialise(mdl, r)
        return self.models

    # -- the round --------------------------------------------------------------------
    def run(self) -> list[EuNatoModel]:
        """Step every replicate until it ends (each by its own rule); the models."""
        while any(mdl.running for mdl in self.models):
            self.step()
        return self.models

    def step(self) -> None:
        act = np.array([r for r, mdl in enumerate(self.models) if mdl.running])
        models = [self.models[r] for r in act]
        for mdl in models:  # what mesa.Model's step wrapper does
            mdl.time += 1
            mdl.steps += 1
        t = models[0].steps
        events = models[0].events_by_round.get(t, [])
        if events:
            for r, mdl in zip(act, models, strict=True):
                self.votes.materialise(mdl, r)
                for ev in events:
                    mdl.set_parameter(ev.target, ev.value, ev.note)
                self.votes.refresh_open(mdl, r)
            self._gather(act.tolist())
        if any(models[0].world.reversion):  # a status quo that decays (model/reversion.py)
            for r, mdl in zip(act, models, strict=True):
                self.votes.materialise(mdl, r)
                if reversion.advance(mdl):
                    self.votes.refresh_open(mdl, r)
        full = act.size == len(self.models)
        take = (lambda a: a) if full else (lambda a: a[act])
        pos, ideal, sal, cap = take(self.pos), take(self.ideal), take(self.sal), take(self.cap)
        coal = take(self.coal) if full else self.coal[act].copy()
        if events or not full or self._terms is None:
            # coalitions follow the ideals: their valuation changes only with preferences
            self._terms = [coalitions.valuation_terms(ideal[:, :, c], sal[:, :, c], cap)
                           for c in models[0].pillar_cols]
        rngs = [mdl.rng for mdl in models]
        stay = take(self.stay) if full else self.stay[act]
        for k, cols in enumerate(models[0].pillar_cols):
            ik = ideal[:, :, cols]
            coal[:, k], _ = coalitions.update_many(
                coal[:, k], ik, ik, sal[:, :, cols], cap, rngs, self.rule,
                canonical=self.canonical[act, k], terms=self._terms[k], stay=stay[:, k])
            self.canonical[act, k] = True
        if not full:
            self.stay[act] = stay
        col_pillar = models[0].col_pillar
        pull = coalitions.coordinate(coal[:, col_pillar, :].transpose(0, 2, 1), pos, sal,
                                     cap, self.rule)
        pos = pos + pull if not full else pos.__iadd__(pull)
        before = pos.copy()
        forecast = self._protocol_round(act, models, pos, sal, cap, ideal)
        lo, hi = models[0].state.lo, models[0].state.hi
        np.clip(pos, lo, hi, out=pos)
        if full:
            self.pulled += pull
            self.bargained += pos - before
            self.forecast[...] = forecast
        else:
            self.pos[act] = pos
            self.coal[act] = coal
            self.pulled[act] += pull
            self.bargained[act] += pos - before
            self.forecast[act] = forecast
        moved = movement(pos - before, cap)
        self._record(act, forecast, moved)
        self._settle(act, models, t)

    @property
    def stand(self) -> np.ndarray:
        """(R, n, 2m) where each replicate's actors vote from (the single run's
        ``EuNatoModel.stand``)."""
        return NegotiationActor.stand(self.ideal, self.bargained,
                                      self.models[0].protocol.binding)

    def _protocol_round(self, act: np.ndarray, models: list[EuNatoModel], pos: np.ndarray,
                        sal: np.ndarray, cap: np.ndarray, ideal: np.ndarray) -> np.ndarray:
        """(A, 2m) the forecasts after the protocol's round; ``pos`` moves in place."""
        if self.protocol.stacked:
            stack = SimpleNamespace(position=pos, salience=sal, capability=cap, ideal=ideal)
            report = self.protocol.step(stack, None)
            return report.forecast
        out = np.empty((act.size, 2 * self.m))
        full = act.size == len(self.models)
        for a, (r, mdl) in enumerate(zip(act, models, strict=True)):
            if not full:  # the model's view must hold the round's positions
                self.pos[r] = pos[a]
            report = mdl.protocol.step(mdl.state, mdl.rng)
            if mdl.state.position is not self.pos[r]:  # a protocol that rebinds
                self.pos[r] = mdl.state.position
                mdl.state.position = self.pos[r]
            if not full:
                pos[a] = self.pos[r]
            out[a] = report.forecast
        return out

    def _record(self, act: np.ndarray, forecast: np.ndarray, moved: np.ndarray) -> None:
        """Each round's forecasts and movement, full-size (finished rows left as NaN)."""
        f = np.full((len(self.models), 2 * self.m), np.nan)
        mv = f.copy()
        f[act], mv[act] = forecast, moved
        self.forecasts.append(f)
        self.movements.append(mv)

    def _settle(self, act: np.ndarray, models: list[EuNatoModel], t: int) -> None:
        """EuNatoModel._settle for every replicate at once, then the votes; then each
        replicate that is done ends."""
        m, k = self.m, models[0].settle_rounds
        tol = models[0].settle_tolerance
        early = len(self.forecasts) < k  # a forecast must hold for k rounds first
        recent = np.stack(self.forecasts[-k:], axis=1)[act]
        still2 = (recent.max(axis=1) - recent.min(axis=1)) <= tol
        moving = np.stack(self.movements[-k:], axis=1)[act].max(axis=1) > 0.1 * tol
        still = still2[:, :m] & still2[:, m:] & (not early)
        stalled = still & ~(moving[:, :m] | moving[:, m:])
        # everyone at one position: there is nothing left to bargain over
        spread = np.ptp(self.pos[act], axis=1) <= tol
        one = spread[:, :m] & spread[:, m:]
        still, stalled = still | one, stalled | one
        last = t >= self.max_rounds[act]
        vote_round(self, act, models, still, stalled, last)
        self.partitions.append(self.coal.copy())
        for r, mdl in zip(act, models, strict=True):
            done = (not self.votes.open[r].any() and t >= mdl.last_event_round
                    and not reversion.pending(mdl))
            if done or t >= mdl.max_rounds:
                self._finish(r, mdl)

    def _finish(self, r: int, mdl: EuNatoModel) -> None:
        """Hand replicate ``r`` its records and end its run as EuNatoModel.step does."""
        self.votes.materialise(mdl, r)
        t = mdl.steps
        mdl._forecasts = [f[r].copy() for f in self.forecasts[:t]]
        mdl._movement = [f[r].copy() for f in self.movements[:t]]
        mdl.partitions = mdl.partitions[:1] + [p[r].copy() for p in self.partitions[:t]]
        mdl.running = False
        mdl._finish()


def run_ensemble(models: list[EuNatoModel]) -> list[EuNatoModel]:
    """Run lean models of one scenario together (see :class:`Ensemble`)."""
    return Ensemble(models).run()


__all__ = ["PIECES", "VOTE_TOLERANCE", "Ensemble", "EnsembleError", "run_ensemble"]
