"""The Mesa model: EU and NATO actors bargain over the division of labour.

Each issue's outcome is two roles, the EU's and NATO's (docs/model.md §2), so the bargaining
state has 2m columns: ``[EU roles | NATO roles]``. Each step (round, one or more calendar
months):

1. scenario events due this round change parameters; every actor type re-derives its ideals
   (``agents/``), and issues whose ideals moved reopen even if they had settled;
2. per pillar, actors reconsider their coalitions and members coordinate their positions;
3. the bargaining protocol (compromise, BDM, …) plays one round on the position arrays,
   each actor's weight on a role scaled by its voice there (members 1, outsiders less);
4. open issues whose forecast has held still are put to their venues (model/institutions/houses.py,
   model/institutions/venues.py): only members of a house vote in it, coalitions vote as blocs, a
   blocking stance vetoes, agenda setters propose when bargaining stalls;
5. the DataCollector records roles, forecasts and statuses.

The run ends when every issue has settled and no scenario event is still to come, or at the
last round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from agents import make_agent
from agents.base import NegotiationActor
from model import coalitions, reversion, willing
from model.coalitions import CoalitionRule
from model.collect import RoundCollector, agent_reporters, model_reporters
from model.inputs.data import DataError, load_actors, load_issues
from model.inputs.deals import budget_of
from model.inputs.knobs import ACTOR_KNOBS, BLOC_KNOBS
from model.inputs.scenario import Scenario, check_keywords, load_scenario, parse_target
from model.institutions import houses as institutions
from model.institutions.venues import Electorate
from model.io.safeio import MAX_MONTHS, MAX_SEED
from model.preferences import PreferenceModel
from model.protocols import protocol_class
from model.protocols.base import check_params
from model.state import BargainingState
from model.world import World, build_world

#: protocol parameters the engine sets unless the user does (see each protocol's docstring)
ENGINE_PROTOCOL_DEFAULTS: dict[str, dict[str, Any]] = {"nash": {"threat": "worst"}}
PILLAR_SHOWN = "industry"  # the pillar whose coalitions the app and agents show by default


def movement(delta: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """(2m,) how far positions moved in a round, capability-weighted mean of |delta|
    ((n, 2m) and (n,), or stacked with a leading replicate axis, each as alone)."""
    w = capability + 1e-12
    return (np.abs(delta) * w[..., :, None]).sum(axis=-2) / w.sum(axis=-1)[..., None]


def deadline_round(start: str, deadline: str | None, months_per_round: int) -> int | None:
    """The last round whose month is at or before ``deadline`` (YYYY-MM; round 1 is
    ``start``), or None without a deadline."""
    if deadline is None:
        return None
    (y0, m0), (y1, m1) = ((int(x) for x in s.split("-")) for s in (start, deadline))
    months = (y1 - y0) * 12 + (m1 - m0)
    return max(1, months // months_per_round + 1)


class EuNatoModel(mesa.Model):
    """EU–NATO bargaining over the division of labour.

    Every argument is a plain keyword (so ``mesa.batch_run`` and the app can set it), and
    the model builds with no arguments (the baseline scenario, compromise protocol).

    Args:
        scenario_name: built-in scenario name, path to a TOML file, or a Scenario.
        protocol: registered protocol name (``eunato protocols``).
        rounds: maximum rounds (default: the scenario's).
        rng: seed or numpy Generator; every random draw comes from ``self.rng``.
        us_engagement, participation_blockage: override the scenario's values.
        <bloc>_decoupling_fear, <bloc>_competition: set the bloc's mean level
            (blocs: eu_core, eastern_flank, non_eu_allies).
        commission_competition, nato_staff_competition: the two bureaucracies' turf.
        protocol_params: keyword parameters of the protocol.
        collect_agents: record per-actor positions every round (off for big benchmarks).
        lean: keep only what a run's summary reads (batches): no DataCollector rows,
            interaction records, protocol medians or coalition change log; the run
            itself, and so its summary, is the same (tests/test_speed_equivalence.py).
        world: a prebuilt :class:`World` (synthetic actors, tests) instead of the data files.
        judgements: ``"drawn"`` (default): every coded judgement with a range (fears,
            competition, positions on record, coefficients) is drawn from it with the
            run's generator, so seeds carry the judgements' uncertainty; ``"central"``:
            their stated values.
    """

    def __init__(
        self,
        scenario_name: str | Scenario = "baseline-2024",
        protocol: str | None = None,
        rounds: int | None = None,
        rng: Any = None,
        us_engagement: float | None = None,
        participation_blockage: bool | None = None,
        protocol_params: dict[str, Any] | None = None,
        collect_agents: bool = True,
        world: World | None = None,
        preference_model: PreferenceModel | None = None,
        eu_core_decoupling_fear: float | None = None,
        eu_core_competition: float | None = None,
        eastern_flank_decoupling_fear: float | None = None,
        eastern_flank_competition: float | None = None,
        non_eu_allies_decoupling_fear: float | None = None,
        non_eu_allies_competition: float | None = None,
        commission_competition: float | None = None,
        nato_staff_competition: float | None = None,
        lean: bool = False,
        judgements: str = "drawn",
    ) -> None:
        # Mesa's own `Model.scenario` is a mesa Scenario (SolaraViz uses it), so ours is
        # `scenario_name` / `self.spec`.
        if not (rng is None or isinstance(rng, np.random.Generator | np.random.BitGenerator
                                          | np.random.SeedSequence)
                or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)
                    and 0 <= rng <= MAX_SEED)):
            raise DataError("keyword", "rng", rng, f"a seed is a whole number in [0, "
                            f"{MAX_SEED}] (or a numpy Generator)")
        if isinstance(rng, np.integer):  # Mesa seeds Python's random with it: a plain int
            rng = int(rng)
        super().__init__(rng=rng)
        self.seed = rng if isinstance(rng, int | np.integer) else None
        knobs = {k: v for k, v in locals().items() if k in BLOC_KNOBS or k in ACTOR_KNOBS}
        # the keywords take what a scenario file takes (same validators): a DataError else
        check_keywords(rounds=rounds, us_engagement=("param", "us_engagement", us_engagement),
                       participation_blockage=("param", "participation_blockage",
                                               participation_blockage),
                       **{k: ("bloc", *BLOC_KNOBS[k][1:], v) if k in BLOC_KNOBS
                          else ("actor", ACTOR_KNOBS[k][1], v) for k, v in knobs.items()})
        self.spec = (scenario_name if isinstance(scenario_name, Scenario)
                     else load_scenario(scenario_name))
        if world is None:
            world = build_world(load_actors(), load_issues(), self.spec, preference_model)
        self.world = w = world
        if us_engagement is not None:
            w.us_engagement = float(us_engagement)
        if participation_blockage is not None:
            w.participation_blockage = bool(participation_blockage)
        for key, value in knobs.items():
            if value is None:
                continue
            if key in BLOC_KNOBS:
                w.set_bloc(*BLOC_KNOBS[key], float(value))
            elif ACTOR_KNOBS[key][0] in w.actor_ids:
                w.competition[w.actor_ids.index(ACTOR_KNOBS[key][0])] = float(value)
        if judgements not in ("drawn", "central"):
            raise DataError("keyword", "judgements", judgements, "'drawn' or 'central'")
        self.judgements = judgements
        if judgements == "drawn":
            w.draw_judgements(self.rng)
        # '' is no protocol: only None means "the scenario's"
        self.protocol_name = self.spec.protocol if protocol is None else protocol
        cls = protocol_class(self.protocol_name)
        if protocol_params is not None:  # the keywords alone first, so the error names them
            check_params(cls, protocol_params)
        # the engine's defaults, then the scenario's, then the caller's
        self.protocol = cls(**{**ENGINE_PROTOCOL_DEFAULTS.get(self.protocol_name, {}),
                               **self.spec.protocol_parameters.get(self.protocol_name, {}),
                               **(protocol_params or {})})
        if not isinstance(lean, bool | np.bool_):
            raise DataError("keyword", "lean", lean, "must be True or False")
        self.lean = bool(lean)
        self.protocol.detail = not self.lean
        self.max_rounds = int(rounds or self.spec.rounds)
        #: the round of the decision date, if the scenario sets one: what is not agreed by
        #: then fails and the status quo holds (docs/model.md §4)
        self.deadline_round = deadline_round(self.spec.start, self.spec.deadline,
                                             self.spec.months_per_round)
        if self.deadline_round is not None:
            self.max_rounds = min(self.max_rounds, self.deadline_round)
        if self.max_rounds * w.months_per_round > MAX_MONTHS:
            raise DataError(self.spec.source or "keyword", "rounds", self.max_rounds,
                            f"{self.max_rounds:,} rounds of {w.months_per_round} month(s) "
                            f"span more than {MAX_MONTHS // 12:,} years; fewer rounds or "
                            "shorter rounds")
        p = self.spec.parameters
        self.coalition_rule = CoalitionRule(
            threshold=p.coalition_threshold, cohesion=p.coalition_cohesion,
            activity=p.coalition_activity)
        self.settle_rounds, self.settle_tolerance = p.settle_rounds, p.settle_tolerance
        self.abstain_salience = p.abstain_salience

        n, m = len(w.actors), len(w.issues)
        self.m = m
        ideal, sal, parts = w.preferences()
        self.salience, self.ideal_parts = sal, parts
        self.voice = w.voice()
        self.state = BargainingState(
            actor_ids=w.actor_ids, issue_ids=[f"{i}:eu" for i in w.issue_ids]
            + [f"{i}:nato" for i in w.issue_ids],
            position=ideal, ideal=ideal, salience=np.tile(sal, 2) * self.voice,
            capability=w.capability(), risk=np.repeat(w.risk[:, None], 2 * m, axis=1),
            voting=np.array([a.votes for a in w.actors]), status_quo=w.status_quo,
            lo=0.0, hi=100.0)
        self.electorate = Electorate.of(self.world, self.state.voting, self.state.capability)
        self.pillars = list(dict.fromkeys(w.pillars))
        self.pillar_of = np.array([self.pillars.index(x) for x in w.pillars])
        self.pillar_cols = [np.flatnonzero(np.tile(self.pillar_of == k, 2))
                            for k in range(len(self.pillars))]
        self.col_pillar = np.tile(self.pillar_of, 2)  # (2m,) each role column's pillar
        #: per pillar, whether its labels are named for the current capabilities
        self._canonical = [False] * len(self.pillars)
        #: per pillar, who was valued as staying in its coalition under the labels in
        #: force (coalitions.update_many): they are not valued again until labels change
        self._stay = np.zeros((len(self.pillars), n), bool)
        self.shown_pillar = (self.pillars.index(PILLAR_SHOWN) if PILLAR_SHOWN in self.pillars
                             else 0)
        self.coalition = np.tile(np.arange(n), (len(self.pillars), 1))
        self.initial_ideal = ideal.copy()
        self.status_quo0 = w.status_quo.copy()
        self.outcome = w.status_quo.copy()  # the arrangement in force, (2m,)
        self.proposal = np.full(2 * m, np.nan)
        self.status = ["open"] * m
        self.route: list[str | None] = [None] * m
        #: per issue, what a coalition of the willing did outside both (model/willing.py)
        self.outside: list[dict[str, Any] | None] = [None] * m
        self.settled_round = np.full(m, -1)
        self.setter_used = np.zeros(m, bool)
        #: per issue, the agenda setter's choice of EU legal basis for a vetoed piece
        #: ({basis, reason}; None: the issue's own basis, nothing to weigh)
        self.basis_choice: list[dict[str, str] | None] = [None] * m
        self.prior_basis: list[dict[str, str] | None] = [None] * m
        #: deals that bought a veto off (model/deals.py) and what is left of the budget
        self.deals: list[dict[str, Any]] = []
        self.deal_budget = budget_of(self.spec.deals)
        self.last_vote = np.full((m, 2), np.nan)  # the forecast last put to a vote
        #: per issue, the cost of no agreement every voter adds to its distance from the
        #: status quo, and the status quo's (EU, NATO, cost) when last put to a vote
        #: (model/reversion.py)
        self.sq_cost = np.zeros(m)
        self.reversion_mark = np.column_stack([w.status_quo[:m], w.status_quo[m:],
                                               np.zeros(m)])
        self.vetoes: list[list[dict[str, str]]] = [[] for _ in range(m)]
        #: per issue, what became of each piece: "agreed", "blocked" or "unchanged"
        self.pieces: list[dict[str, str]] = [{"eu": "unchanged", "nato": "unchanged"}
                                             for _ in range(m)]
        #: what an issue had settled as before a shock reopened it
        self.prior: list[tuple[str, str | None, int] | None] = [None] * m
        self.prior_pieces: list[dict[str, str] | None] = [None] * m
        self.moved = {"coalition pull": np.zeros((n, 2 * m)), "bargaining": np.zeros((n, 2 * m))}
        self._forecasts: list[np.ndarray] = []
        self._movement: list[np.ndarray] = []
        self.forecast = self.protocol.forecast(self.state)
        self.partitions: list[np.ndarray] = [self.coalition.copy()]
        self.events_log: list[dict[str, Any]] = []
        #: per round, the protocol's interactions (read through :attr:`interactions`)
        self._interactions: list[tuple[int, Sequence[dict[str, Any]]]] = []
        self.events_by_round: dict[int, list] = {}
        for ev in self.spec.events:
            self.events_by_round.setdefault(ev.round, []).append(ev)
        self.last_event_round = max(self.events_by_round, default=0)

        for row, record in enumerate(w.actors):
            make_agent(self, row, record)
        self.datacollector = RoundCollector(
            model_reporters(self),
            agent_reporters(self) if collect_agents and not self.lean else {}, w.issue_ids)
        if not self.lean:
            self.datacollector.collect(self)

    # -- parameters ------------------------------------------------------------------
    def refresh_preferences(self) -> np.ndarray:
        """Re-derive ideals, saliences and capabilities after a parameter changed; every
        position moves by as much as its ideal did. Returns the (m,) issues whose ideals
        moved by more than the settle tolerance (they reopen)."""
        ideal, sal, parts = self.world.preferences()
        delta = ideal - self.state.ideal
        self.state.position = np.clip(self.state.position + delta, 0, 100)
        self.state.ideal, self.salience, self.ideal_parts = ideal, sal, parts
        self.state.salience = np.tile(sal, 2) * self.voice
        self.state.capability = self.world.capability()
        self._canonical = [False] * len(self.pillars)  # leaders may have changed
        self._stay[:] = False  # coalitions are valued anew
        self.electorate = Electorate.of(self.world, self.state.voting, self.state.capability)
        big = np.abs(delta).max(axis=0) > self.settle_tolerance
        return big[: self.m] | big[self.m:]

    def set_parameter(self, target: str, value: float | bool, note: str = "") -> None:
        """Apply one scenario event (see :func:`model.inputs.scenario.parse_target`)."""
        kind, who, name = parse_target(target, self.world.actor_ids)
        if kind == "param" and name == "us_engagement":
            self.world.us_engagement = float(value)
        elif kind == "param":
            self.world.participation_blockage = bool(value)
        elif kind == "bloc":
            self.world.set_bloc(who, name, float(value))
        elif kind == "stance":  # e.g. Hungary lifts its veto (1 February 2024)
            which, issue = name.split(".", 1)
            if issue in self.world.issue_ids:
                j = self.world.issue_ids.index(issue)
                k = self.world.actor_ids.index(who)
                getattr(self.world, "block" if which == "block" else "step_aside")[k, j] = bool(
                    value)
                if self.status[j] != "open":
                    self.reopen(j)
        elif name == "engagement":
            self.world.us_engagement = float(value)
        else:
            k = self.world.actor_ids.index(who)
            getattr(self.world, name)[k] = float(value)
            if name == "risk":
                self.state.risk[k] = float(value)
        moved = self.refresh_preferences()
        self.log("event", f"{target} = {value}" + (f" ({note})" if note else ""))
        for j in np.flatnonzero(moved):
            if self.status[j] != "open":
                self.reopen(int(j))

    def reopen(self, j: int) -> None:
        """A shock reopens a settled issue: what was agreed becomes the new status quo."""
        self.prior[j] = (self.status[j], self.route[j], int(self.settled_round[j]))
        self.prior_pieces[j] = dict(self.pieces[j])
        self.prior_basis[j], self.basis_choice[j] = self.basis_choice[j], None
        self.status[j], self.route[j] = "open", None
        self.settled_round[j] = -1
        self.log("reopened", f"{self.world.issue_ids[j]} reopened by the shock",
                 issue=self.world.issue_ids[j])

    def log(self, kind: str, text: str, **extra: Any) -> None:
        self.events_log.append({"round": self.steps, "kind": kind, "text": text, **extra})

    def date(self, round_: int) -> str:
        """Calendar month ("YYYY-MM") of a round: round 1 is the scenario's start."""
        y, mo = (int(x) for x in self.world.start.split("-"))
        k = (mo - 1) + (max(round_, 1) - 1) * self.world.months_per_round
        return f"{y + k // 12:04d}-{k % 12 + 1:02d}"

    # -- the round ---------------------------------------------------------------------
    def step(self) -> None:
        for ev in self.events_by_round.get(self.steps, []):
            self.set_parameter(ev.target, ev.value, ev.note)
        reversion.advance(self)
        st = self.state
        for k, cols in enumerate(self.pillar_cols):
            old = self.coalition[k]
            # coalitions gather like interests: their line is the members' weighted ideals
            new, _ = coalitions.update(old, st.ideal[:, cols], st.ideal[:, cols],
                                       st.salience[:, cols], st.capability, self.rng,
                                       self.coalition_rule, canonical=self._canonical[k],
                                       stay=self._stay[k])
            self._canonical[k] = True
            if not self.lean:
                for text in coalitions.changes(old, new, self.state.actor_ids):
                    self.log("coalition", f"{self.pillars[k]}: {text}", pillar=self.pillars[k])
            self.coalition[k] = new
        # members move towards their coalitions, every pillar's columns at once (moving
        # positions changes no pillar's coalitions: those follow the ideals)
        pull = coalitions.coordinate(self.coalition[self.col_pillar].T, st.position,
                                     st.salience, st.capability, self.coalition_rule)
        st.position += pull
        self.moved["coalition pull"] += pull
        before = st.position.copy()
        report = self.protocol.step(st, self.rng)
        np.clip(st.position, st.lo, st.hi, out=st.position)
        self.moved["bargaining"] += st.position - before
        self._movement.append(movement(st.position - before, st.capability))
        self.forecast = report.forecast
        if not self.lean:
            self._interactions.append((self.steps, report.interactions))  # read if asked
        self._settle()
        self.partitions.append(self.coalition.copy())
        if not self.lean:
            self.datacollector.collect(self)
        done = (all(s != "open" for s in self.status) and self.steps >= self.last_event_round
                and not reversion.pending(self))
        if done or self.steps >= self.max_rounds:
            self.running = False
            self._finish()

    def _settle(self) -> None:
        self._forecasts.append(self.forecast.copy())
        k, m = self.settle_rounds, self.m
        last = self.steps >= self.max_rounds
        early = len(self._forecasts) < k  # a forecast must hold for k rounds first
        recent = np.array(self._forecasts[-k:])
        still2 = (recent.max(axis=0) - recent.min(axis=0)) <= self.settle_tolerance
        moving = np.array(self._movement[-k:]).max(axis=0) > 0.1 * self.settle_tolerance
        still = still2[:m] & still2[m:] & (not early)
        stalled = still & ~(moving[:m] | moving[m:])
        # everyone at one position: there is nothing left to bargain over
        spread = np.ptp(self.state.position, axis=0) <= self.settle_tolerance
        one = spread[:m] & spread[m:]
        still, stalled = still | one, stalled | one
        institutions.decide(self, still, stalled, last)

    def settle(self, j: int, passed: dict[str, float], route: str | None, status: str,
               vetoes: list[dict[str, str]]) -> None:
        """Record issue ``j``'s settlement: the pieces that passed take their values. An
        issue reopened by a shock that ends with no new change keeps its earlier agreement."""
        if status != "agreed" and self.prior[j] and self.prior[j][0] == "agreed":
            self.status[j], self.route[j], self.settled_round[j] = self.prior[j]
            self.pieces[j] = dict(self.prior_pieces[j])
            self.basis_choice[j] = self.prior_basis[j]
            self.vetoes[j] = vetoes
            self.log("reaffirmed", f"{self.world.issue_ids[j]}: the earlier agreement stands",
                     issue=self.world.issue_ids[j])
            return
        if "eu" in passed:
            self.outcome[j] = passed["eu"]
        if "nato" in passed:
            self.outcome[self.m + j] = passed["nato"]
        self.status[j], self.route[j] = status, route
        self.settled_round[j] = self.steps
        self.vetoes[j] = vetoes
        iid = self.world.issue_ids[j]
        who = ", ".join(f"{v['actor']} ({v['house']})" for v in vetoes)
        text = (f"{iid}: EU role {self.outcome[j]:.0f}, NATO role {self.outcome[self.m + j]:.0f}"
                f" ({route} route)" if status == "agreed" else
                f"{iid}: the proposal failed, blocked by {who}" if status == "blocked" else
                f"{iid}: status quo holds")
        self.log({"agreed": "agreement", "blocked": "deadlock"}.get(status, "status quo"),
                 text, issue=iid)

    def _finish(self) -> None:
        late = [j for j in range(self.m) if self.status[j] == "open"]
        for j in range(self.m):
            if self.status[j] == "open" and self.prior[j] and self.prior[j][0] == "agreed":
                self.status[j], self.route[j], self.settled_round[j] = self.prior[j]
                self.pieces[j] = dict(self.prior_pieces[j])
                self.basis_choice[j] = self.prior_basis[j]
                self.log("reaffirmed", f"{self.world.issue_ids[j]}: the earlier agreement "
                         "stands; the change after the shock did not pass")
            elif self.status[j] == "open":
                self.status[j] = "blocked" if self.vetoes[j] else "status quo holds"
                who = ", ".join(f"{v['actor']} ({v['house']})" for v in self.vetoes[j])
                when = (f" at the deadline {self.spec.deadline}"
                        if self.deadline_round is not None
                        and self.steps >= self.deadline_round else "")
                self.log("deadlock", f"{self.world.issue_ids[j]}: "
                         + (f"blocked by {who}" if who else "status quo holds") + when)
        willing.act(self, late)  # where the institutions failed, the willing may act

    # -- convenience -------------------------------------------------------------------
    @property
    def stand(self) -> np.ndarray:
        """(n, 2m) where each actor votes from (:meth:`NegotiationActor.stand`)."""
        return NegotiationActor.stand(self.state.ideal, self.moved["bargaining"],
                                      self.protocol.binding)

    @property
    def interactions(self) -> list[dict[str, Any]]:
        """Every round's interactions (challenges, offers, exchanges), with the round."""
        return [{"round": t, **rec} for t, recs in self._interactions for rec in recs]

    def run(self) -> EuNatoModel:
        """Step until every issue has settled (and no event is due) or the rounds end."""
        while self.running:
            self.step()
        return self

    def summary(self, explanations: bool = True) -> dict[str, Any]:
        """The run summary (docs/schema.md); ``explanations=False`` skips the per-issue
        explanations and pivot tests (batches that do not read them)."""
        from model.results.summary import summarize

        return summarize(self, explanations=explanations)

    def explain(self, issue: str | None = None) -> dict[str, Any]:
        """Why each issue ended as it did (model/results/explain.py); one issue if given."""
        from model.results.explain import explain

        return explain(self, issue)
