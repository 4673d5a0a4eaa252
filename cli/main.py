"""`eunato`: the command line. One engine, several front doors.

Core commands live here (run, scenarios, actors, protocols, forecast); other front doors
register their own sub-commands from the modules in ``PLUGINS`` (each has a
``register(subparsers)`` function, imported by a loader when one of its commands is parsed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from cli.options import add_table_options
from model.inputs.data import DataError
from model.io.output import Tab, add_format_option, emit, message_console, note
from model.io.provenance import current_command
from model.io.safeio import (
    MAX_ROUNDS,
    MAX_SEED,
    int_in,
    interrupt_code,
    is_stdout,
    json_text,
    stop_signals,
    writable_file,
    write_text_atomic,
)
from model.protocols import protocol_arg


def _run_commands() -> ModuleType:
    from cli import run
    return run


def _backtest_commands() -> ModuleType:
    from validation import backtest
    return backtest


def _validate_commands() -> ModuleType:
    from cli import validate
    return validate


def _app_commands() -> ModuleType:
    from app import serve  # the app package imports Solara: only for `eunato app`
    return serve


def _tuning_commands() -> ModuleType:
    from cli import tuning
    return tuning


def _batch_commands() -> ModuleType:
    from cli import batch
    return batch


def _compare_commands() -> ModuleType:
    from cli import compare
    return compare


def _rerun_commands() -> ModuleType:
    from cli import rerun
    return rerun


#: the modules that add sub-commands (app, batches, tuning, validation …), each imported
#: only when one of its commands is parsed, so that e.g. `eunato batch` never loads Solara
PLUGINS: dict[str, Callable[[], ModuleType]] = {
    "cli.run": _run_commands,
    "validation.backtest": _backtest_commands,
    "cli.validate": _validate_commands,
    "app.serve": _app_commands,
    "cli.tuning": _tuning_commands,
    "cli.batch": _batch_commands,
    "cli.compare": _compare_commands,
    "cli.rerun": _rerun_commands,
}
#: which plugin registers each of their sub-commands (tests/test_cli.py checks the map)
COMMANDS: dict[str, str] = {
    "run": "cli.run", "explain": "cli.run", "backtest": "validation.backtest",
    "compare": "cli.validate", "validate": "cli.validate",
    "perception": "cli.validate", "app": "app.serve",
    "tune": "cli.tuning", "sensitivity": "cli.tuning",
    "batch": "cli.batch", "report": "cli.batch",
    "compare-scenarios": "cli.compare", "brief": "cli.compare",
    "rerun": "cli.rerun",
}

console = message_console()  # messages are never wrapped, in a pipe or not

EPILOG = """exit codes: 0 ok; 2 bad input (one line naming the file, field and value, or a bad
option); 1 internal error (a bug: one line, set EUNATO_DEBUG=1 for the traceback);
130 interrupted (143 on SIGTERM, 129 on SIGHUP); a reader that stops early (| head) is
not an error (0, no message).
Tables: --format table|csv|json; as a table into a pipe or a file they are plain text,
full width, never wrapped or cut."""


def _scenarios(args: argparse.Namespace) -> int:
    from model.inputs.scenario import list_scenarios, load_scenario

    t = Tab("scenarios (data/scenarios)", ["name", "extends", "events", "description"],
            right={"events"})
    for name in list_scenarios():
        sc = load_scenario(name)
        t.add(name, sc.extends or "", len(sc.events), " ".join(sc.description.split()))
    emit(t, args.format)
    return 0


def _actors(args: argparse.Namespace) -> int:
    from model.institutions.power import voting_power
    from model.model import EuNatoModel

    model = EuNatoModel(scenario_name=args.scenario, protocol="compromise", rng=0)
    e = model.electorate
    power = voting_power(e.eu, e.nato, e.parliament, e.population)
    fmt = "json" if args.json else args.format
    if fmt == "json":  # docs/schema.md: id, name, type, memberships first
        rows = []
        for a in model.agents:
            d = a.describe()
            rows.append({"id": d.pop("id"), "name": d.pop("name"), "type": a.record.type,
                         "memberships": d.pop("memberships"), **d,
                         "voting_power": {h: round(float(v[a.row]), 4)
                                          for h, v in power.items()}})
        print(json_text(rows, indent=2))
        return 0
    t = Tab(f"actors ({args.scenario}); voting power = normalised Banzhaf index",
            ["id", "name", "type", "bloc", "memberships", "capability", "power EU QMV",
             "power NAC", "decoupling fear", "competition", "spending $m", "population m",
             "source (spending)"],
            right={"capability", "power EU QMV", "power NAC", "decoupling fear",
                   "competition", "spending $m", "population m"},
            show={"capability": lambda v: f"{v:.4f}", "power EU QMV": lambda v: f"{v:.3f}",
                  "power NAC": lambda v: f"{v:.3f}", "decoupling fear": lambda v: f"{v:.2f}",
                  "competition": lambda v: f"{v:.2f}", "spending $m": lambda v: f"{v:,.0f}",
                  "population m": lambda v: f"{v:.2f}",
                  "memberships": lambda v: ",".join(v)})
    for a in model.agents:
        r = a.record
        t.add(a.actor_id, a.name, r.type, a.bloc, list(a.memberships), float(a.capability),
              float(power["eu_council_qmv"][a.row]), float(power["nato"][a.row]),
              float(a.decoupling_fear), float(a.competition), r.defence_spending_musd,
              r.population_m, getattr(r, "defence_spending_source", "") or "")
    emit(t, fmt)
    return 0


def _protocols(args: argparse.Namespace) -> int:
    from model.protocols import PROTOCOLS

    t = Tab("protocols", ["name", "summary", "parameters", "reference"],
            show={"parameters": lambda v: ", ".join(f"{k}={x}" for k, x in v.items())})
    for name, cls in sorted(PROTOCOLS.items()):
        t.add(name, cls.summary, cls.parameters(), cls.reference)
    emit(t, args.format)
    return 0


FORECAST_HELP = """\
Accepted layouts (what was understood is printed first; NA, N/A, - or an empty position
cell means the actor takes no part in that issue, in every layout):

  one issue     Actor,Capability,Position,Salience[,Risk]
                  FR,0.8,10,90
  wide          Player,Power,position_nato,salience_nato,position_eu,salience_eu
                  (also "NATO Position"/"NATO Salience", nato_position, Pstn1/Sal1)
                  PL,0.5,80,0.9,NA,
  long          Actor,Issue,Capability,Position,Salience
                  FR,nato,0.8,10,90
  KTAB (SMP)    a scenario line above the header, pairs per dimension, trailing commas:
                  China Policy; scen 0,Scenario-000; ...,26,1,
                  Actor,Description,Influence,Policy Position,Policy Salience,
                  XJ,Xi Jinping,100,30,30,
  exchange-model records (tab, comma or semicolon; quotes optional):
                  #A  EU28  European Union
                  #P  legal  legal form
                  #M  legal  0  no binding agreement
                  #D  EU28  legal  30  0.75  0.75      (actor issue position salience power)

Accepted headers: actor = %(actor)s;
  capability = %(capability)s; position = %(position)s;
  salience = %(salience)s; risk = %(risk)s; issue = %(issue)s.
Separators: comma, semicolon (then decimal commas), tab. Any line ending, optional BOM; UTF-8,
  Windows-1252 or UTF-16 (a spreadsheet's "Unicode text" export); save workbooks as CSV.
Capability: any positive unit, divided by the largest (only ratios matter), or
  --capability-scale. Salience: 0-1 or 0-100 from the bulk of each column; cells that
  disagree are named in a warning and capped, never used to rescale the column; or
  --salience-scale. Positions: any numeric scale, range from the data or --range.
The answer line is round-independent: the converged forecast, or the mean over the last
cycle when the protocol cycles (shown), played up to --max-rounds.
"""


def _forecast(args: argparse.Namespace) -> int:
    from forecasting.forecast import check_table_work, read_table, run_forecast, settle
    from model.io.provenance import file_hash, provenance

    if args.json and not is_stdout(args.json):
        writable_file(args.json, "--json")
    rng = None
    if args.range is not None:
        if args.range[1] <= args.range[0]:
            raise ValueError(f"--range: HI must exceed LO, got {args.range[0]:g} "
                             f"{args.range[1]:g}")
        rng = (args.range[0], args.range[1])
    # the JSON document is then stdout's data: the rest aside
    to_stdout = bool(args.json) and is_stdout(args.json)
    fmt = args.format
    read = read_table(args.file, rng, args.status_quo, args.capability_scale,
                      args.salience_scale)
    say = (lambda text: print(text, file=sys.stderr)) if to_stdout else (
        lambda text: note(text, fmt))
    say("understood columns: " + ", ".join(f"{k} = {v!r}" for k, v in read.columns.items()))
    say("understood: " + "; ".join(read.notes))
    for w in read.warnings:
        say(f"warning: {w}")
    check_table_work(read.state, [args.protocol], args.rounds, args.max_rounds, args.file)
    records = run_forecast(read.state.copy(), args.protocol, rounds=args.rounds,
                           seed=args.seed)
    answers = settle(read.state, args.protocol, max_rounds=args.max_rounds, seed=args.seed)
    tabs = []
    for j, issue in enumerate(read.state.issue_ids):
        t = Tab(f"{Path(args.file).name} · {issue} · {args.protocol}",
                ["round", "forecast", "median", "mean", "interactions"],
                right={"round", "forecast", "median", "mean", "interactions"},
                show={k: (lambda v: f"{v:.2f}") for k in ("forecast", "median", "mean")})
        for r in records:
            k = sum(1 for x in r["interactions"] if issue in x.get("issues", [x.get("issue")]))
            t.add(r["round"], float(r["forecast"][j]), float(r["median"][j]),
                  float(r["mean"][j]), k)
        tabs.append(t)
    stream = sys.stderr if to_stdout else sys.stdout
    if fmt == "table":  # each issue's round table, then its answer line
        emit(tabs, fmt, stream)
        for j, a in enumerate(answers):
            print(f"answer ({read.state.issue_ids[j]}): {a.describe()}", file=stream)
    else:
        answer = Tab(f"{Path(args.file).name} · answer · {args.protocol}",
                     ["issue", "answer", "value", "kind", "round", "cycle"])
        for j, a in enumerate(answers):
            answer.add(read.state.issue_ids[j], a.describe(), a.value, a.kind, a.round,
                       a.cycle)
        emit([*tabs, answer], fmt, stream)
    if args.json:
        prov = provenance(None, args.seed,
                          settings={"file": str(args.file), "protocol": args.protocol,
                                    "rounds": args.rounds, "max_rounds": args.max_rounds,
                                    "seed": args.seed},
                          extra={"input_hash": file_hash(args.file)})
        doc = json_text({"file": str(args.file), "protocol": args.protocol,
                          "actors": read.state.actor_ids, "issues": read.state.issue_ids,
                          "understood": read.notes, "warnings": read.warnings,
                          "answer": [{"issue": a.issue, "value": a.value, "kind": a.kind,
                                      "round": a.round, "cycle": a.cycle} for a in answers],
                          "rounds": records, "provenance": prov}, indent=1)
        if to_stdout:
            sys.stdout.write(doc + "\n")
        else:
            write_text_atomic(args.json, doc)
            say(f"wrote {args.json}")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """A bad option is one line (the option, the value, what is wrong) and exit code 2,
    like every other bad input; ``--help`` shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``eunato`` parser; ``only`` (a plugin's sub-command) registers that plugin alone,
    so that e.g. ``eunato batch`` does not import the app's Solara before its first run."""
    parser = OneLineParser(prog="eunato", description=__doc__.splitlines()[0], epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("scenarios", help="list the built-in scenarios")
    add_format_option(p)
    p.set_defaults(func=_scenarios)

    p = sub.add_parser("actors", help="list the actors with their data")
    p.add_argument("--scenario", default="baseline-2024")
    p.add_argument("--json", action="store_true", help="same as --format json")
    add_format_option(p)
    p.set_defaults(func=_actors)

    p = sub.add_parser("protocols", help="list the bargaining protocols")
    add_format_option(p)
    p.set_defaults(func=_protocols)

    from forecasting.cells import SYNONYMS
    p = sub.add_parser(
        "forecast", help="forecast from a stakeholder table (one or several issues)",
        epilog=FORECAST_HELP % {k: ", ".join(v) for k, v in SYNONYMS.items()},
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--protocol", type=protocol_arg, default="compromise")
    p.add_argument("--rounds", type=int_in(1, MAX_ROUNDS), default=10,
                   help="rounds shown in the table")
    p.add_argument("--max-rounds", type=int_in(1, MAX_ROUNDS), default=200,
                   help="cap for the round-independent answer (default 200)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=0)
    add_table_options(p)
    p.add_argument("--json", default=None,
                   help="write every round and the answer as JSON to this file; - for stdout")
    add_format_option(p)
    p.set_defaults(func=_forecast)

    for mod in PLUGINS if only not in COMMANDS else [COMMANDS[only]]:
        PLUGINS[mod]().register(sub)
    if "rerun" in sub.choices:  # `eunato rerun` runs the recorded command through main
        sub.choices["rerun"].set_defaults(eunato=main)
    for p in sub.choices.values():  # every command's --help states the exit codes
        p.epilog = EPILOG if not p.epilog else p.epilog.rstrip() + "\n\n" + EPILOG
        p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def one_line(text: str) -> str:
    """``text`` with control characters (a form feed in a user's header …) escaped, so an
    error stays one line whatever the input held."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip())


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush finds no broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file descriptor (tests capture it)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit codes: 0 done; 1 the work failed (failed runs, a full or
    read-only disk, a locked folder, an unreachable cluster); 2 bad input (a file, a field
    or an option; one line naming them); 130 interrupted. Never a traceback for these."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    token = None
    if current_command.get() is None:  # `eunato rerun` sets the command it reproduces
        token = current_command.set(["eunato", *argv])
    try:
        with stop_signals():  # SIGTERM and SIGHUP end a command as Ctrl-C does
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader gone (| head) shows here, not at exit
        return code
    except BrokenPipeError:  # the reader stopped early (| head): not an error, no message
        _quiet_stdout()
        return 0
    except (DataError, ValueError) as err:  # bad input: file, field, value in one line
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except RecursionError:
        print("error: input nested too deeply", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory (the input asks for too much)", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as err:  # disk, network, locked folder: one line
        if os.environ.get("EUNATO_DEBUG"):  # for developers chasing a bug
            raise
        name = f" {err.filename}" if getattr(err, "filename", None) else ""
        print(f"error:{name} {getattr(err, 'strerror', None) or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        print("interrupted", file=sys.stderr)
        return interrupt_code(err)
    except Exception as err:  # a bug: one line (the traceback on request), exit 1
        if os.environ.get("EUNATO_DEBUG"):
            raise
        print(f"internal error: {type(err).__name__}: {err} (EUNATO_DEBUG=1 shows the "
              "traceback)", file=sys.stderr)
        return 1
    finally:
        if token is not None:
            current_command.reset(token)


if __name__ == "__main__":
    sys.exit(main())
