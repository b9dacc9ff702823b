"""Mutation testing of the core modules with mutmut, one module at a time (``make mutation``).

    python tools/mutation.py                 # run every core module, then print the scores
    python tools/mutation.py scoring spread  # run only these modules
    python tools/mutation.py --report        # only print the scores of the last runs
    python tools/mutation.py --retest spread # run the survivors (and timeouts) of a module again
    python tools/mutation.py --check dimios.trends.x_classify__mutmut_8 tests/test_trends.py
                                             # does a (new) test kill this mutant? (seconds, no mutmut run)

mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``) copies the package to
``mutants/``, plants one small change at a time (a ``<`` for a ``<=``, a ``2`` for a ``3``,
...) and runs the fast unit tests that reach the changed function. A mutant the tests do not
notice has *survived*. The score of a module is the share of its mutants that were killed,
counted over the mutants that are not *equivalent* (a change that cannot alter any result,
listed with the reason in ``docs/mutation.md``).

Runs are long (minutes to hours per module on two cores); mutmut keeps its results in
``mutants/`` and forgets those of a changed function, so a second run (or one after an
interruption) only tests the mutants without a result. CI never runs this.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENT_DOC = ROOT / "docs" / "mutation.md"
CORE = ("scoring", "spread", "trends", "validation", "io", "organisation",
        "quality.careless", "quality.factor", "quality.feasibility", "quality.invariance", "quality.knowledge",
        "quality.reliability", "quality.validity")

# mutmut's exit codes of a mutant run (mutmut/stats.py)
KILLED, SURVIVED, NO_TESTS, TIMEOUT, NOT_CHECKED, OTHER = ("killed", "survived", "no tests", "timeout",
                                                          "not checked", "other")
STATUS = {1: KILLED, 3: KILLED, 37: KILLED, 0: SURVIVED, 5: NO_TESTS, 33: NO_TESTS, None: NOT_CHECKED,
          36: TIMEOUT, 24: TIMEOUT, -24: TIMEOUT, 152: TIMEOUT, 255: TIMEOUT}
_EQUIVALENT = re.compile(r"^\s*[-*]\s+`(dimios\.[\w.ǁ]+__mutmut_\d+)`")
_REVIEWED = re.compile(r"^<!-- reviewed (\S+) (\w+) -->$")
REVIEWED_BEGIN, REVIEWED_END = "<!-- reviewed functions: written by tools/mutation.py --stamp -->", "<!-- end reviewed -->"


def function_of(mutant: str) -> str:
    """'dimios.scoring.x_to_levels__mutmut_3' -> 'dimios.scoring.x_to_levels'."""
    return mutant.split("__mutmut_")[0]


def listed_equivalents(doc: Path = EQUIVALENT_DOC) -> set[str]:
    """Mutant names listed as equivalent in the doc: lines ``- `dimios.x.f__mutmut_3`: reason``."""
    if not doc.exists():
        return set()
    return {m.group(1) for line in doc.read_text(encoding="utf-8").splitlines() if (m := _EQUIVALENT.match(line))}


def reviewed_hashes(doc: Path = EQUIVALENT_DOC) -> dict[str, str]:
    """{function: mutmut's hash of its code} when its equivalent mutants were reviewed."""
    if not doc.exists():
        return {}
    return {m.group(1): m.group(2) for line in doc.read_text(encoding="utf-8").splitlines()
            if (m := _REVIEWED.match(line.strip()))}


def function_hashes(mutants_dir: Path = MUTANTS) -> dict[str, str]:
    """{function: hash of its current code} from mutmut's meta files."""
    out = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(mutants_dir).with_suffix("").with_suffix("").parts)
        for func, h in json.loads(meta.read_text()).get("hash_by_function_name", {}).items():
            out[f"{module}.{func}"] = h
    return out


def equivalent_mutants(doc: Path = EQUIVALENT_DOC, mutants_dir: Path = MUTANTS) -> set[str]:
    """The listed equivalent mutants whose function is unchanged since the review. Mutants are
    numbered per function, so after a change the numbers may name other changes: such entries
    do not count until they are reviewed again (``stale_equivalents``, ``--stamp``)."""
    listed, reviewed, current = listed_equivalents(doc), reviewed_hashes(doc), function_hashes(mutants_dir)
    return {n for n in listed if reviewed.get(function_of(n)) is not None
            and reviewed.get(function_of(n)) == current.get(function_of(n))}


def stamp_reviewed(doc: Path = EQUIVALENT_DOC, mutants_dir: Path = MUTANTS) -> None:
    """Record the current code hash of every function with listed equivalents (after reviewing them)."""
    current = function_hashes(mutants_dir)
    funcs = sorted({function_of(n) for n in listed_equivalents(doc)})
    block = [REVIEWED_BEGIN] + [f"<!-- reviewed {f} {current[f]} -->" for f in funcs if f in current] + [REVIEWED_END]
    text = doc.read_text(encoding="utf-8")
    if REVIEWED_BEGIN in text:
        head, rest = text.split(REVIEWED_BEGIN, 1)
        tail = rest.split(REVIEWED_END, 1)[1]
        text = head + "\n".join(block) + tail
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(block) + "\n"
    doc.write_text(text, encoding="utf-8")


def module_of(mutant: str) -> str:
    """'dimios.quality.careless.x_irv__mutmut_3' -> 'quality.careless'."""
    name = mutant.split("__mutmut_")[0]
    parts = name.split(".")[1:]
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in CORE:
            return ".".join(parts[:i])
    return ".".join(parts[:-1])


def results(mutants_dir: Path = MUTANTS) -> dict[str, int | None]:
    """{mutant name: exit code} from mutmut's ``mutants/**/*.py.meta`` files."""
    out: dict[str, int | None] = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def summary(codes: dict[str, int | None], equivalent: set[str]) -> list[dict]:
    """One row per module (and 'quality/' and 'all'): counts and score in percent."""
    rows: dict[str, Counter] = {}
    for name, code in codes.items():
        mod = module_of(name)
        status = "equivalent" if name in equivalent else STATUS.get(code, OTHER)
        for key in {mod, "quality/" if mod.startswith("quality.") else mod, "all"}:
            rows.setdefault(key, Counter())[status] += 1
    order = [m for m in CORE if m in rows] + [m for m in ("quality/", "all") if m in rows]
    out = []
    for mod in order + sorted(set(rows) - set(order)):
        c = rows[mod]
        total = sum(c.values())
        relevant = total - c["equivalent"] - c[NOT_CHECKED]
        killed = c[KILLED] + c[TIMEOUT]
        lo, hi = wilson_interval(killed, relevant)
        out.append({"module": mod, "mutants": total, "killed": killed, "timeouts": c[TIMEOUT], "survived": c[SURVIVED],
                    "ci_low": lo, "ci_high": hi,
                    "no_tests": c[NO_TESTS], "equivalent": c["equivalent"], "not_checked": c[NOT_CHECKED],
                    "other": c[OTHER], "score": 100.0 * killed / relevant if relevant else float("nan")})
    return out


def sample_of(names: list[str] | set[str], n: int, module: str) -> set[str]:
    """A uniform random sample of ``n`` of a module's mutants, the same on every call (seeded by the
    module's name), so that a run and a later report use the same sample."""
    names = sorted(names)
    return set(names) if n >= len(names) else set(random.Random(f"dimios-mutation:{module}").sample(names, n))


def sampled(codes: dict[str, int | None], n: int | None) -> dict[str, int | None]:
    """The results restricted, per module that has not been run in full, to its random sample of
    ``n`` mutants: a uniform sample gives an unbiased estimate of the module's score, where the
    mutants run so far (in mutmut's order, function by function) do not."""
    if not n:
        return codes
    by_module: dict[str, dict[str, int | None]] = {}
    for name, code in codes.items():
        by_module.setdefault(module_of(name), {})[name] = code
    out: dict[str, int | None] = {}
    for module, mc in by_module.items():
        keep = mc if all(c is not None for c in mc.values()) else sample_of(mc, n, module)
        out.update({k: mc[k] for k in keep})
    return out


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n, in percent."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def _score_text(r: dict) -> str:
    if r["score"] != r["score"]:
        return "–"
    if r.get("population", r["mutants"]) != r["mutants"]:   # a sample: the score is an estimate
        return f"{r['score']:.1f} % ({r['ci_low']:.0f}–{r['ci_high']:.0f})"
    return f"{r['score']:.1f} %"


def format_summary(rows: list[dict]) -> str:
    head = f"{'module':<20}{'mutants':>8}{'tested':>8}{'killed':>8}{'(timeout)':>10}{'survived':>9}{'no tests':>9}" \
           f"{'equiv.':>7}{'unrun':>7}   score"
    lines = [head, "-" * len(head)]
    sampled_any = False
    for r in rows:
        if r["module"] in ("quality/", "all"):
            lines.append("-" * len(head))
        pop = r.get("population", r["mutants"])
        sampled_any |= pop != r["mutants"]
        lines.append(f"{r['module']:<20}{pop:>8}{r['mutants']:>8}{r['killed']:>8}{r['timeouts']:>10}{r['survived']:>9}"
                     f"{r['no_tests']:>9}{r['equivalent']:>7}{r['not_checked'] + r['other']:>7}   {_score_text(r)}")
    lines.append("score = killed / (tested - equivalent - unrun); killed includes timeouts; "
                 "a mutant without a test counts as survived")
    if sampled_any:
        lines.append("tested < mutants: a uniform random sample of the module's mutants (--sample); "
                     "its score is an estimate with a 95 % Wilson interval")
    return "\n".join(lines)


SCORES_BEGIN, SCORES_END = "<!-- scores: written by tools/mutation.py --write-scores -->", "<!-- end scores -->"


def markdown_summary(rows: list[dict], note: str = "") -> str:
    """The scores as a Markdown table (for docs/mutation.md)."""
    out = ["| module | mutants | tested | killed | of which timeout | survived | no tests | equivalent | unrun "
           "| score (95 % interval for a sample) |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        name = f"**{r['module']}**" if r["module"] in ("quality/", "all") else f"`{r['module']}`"
        out.append(f"| {name} | {r.get('population', r['mutants'])} | {r['mutants']} | {r['killed']} | {r['timeouts']} "
                   f"| {r['survived']} | {r['no_tests']} | {r['equivalent']} | {r['not_checked'] + r['other']} "
                   f"| {_score_text(r)} |")
    return "\n".join(([note, ""] if note else []) + out)


def write_scores(doc: Path, table: str) -> None:
    """Replace the scores block of the doc (or append it) with ``table``."""
    text = doc.read_text(encoding="utf-8")
    block = f"{SCORES_BEGIN}\n{table}\n{SCORES_END}"
    if SCORES_BEGIN in text:
        head, rest = text.split(SCORES_BEGIN, 1)
        text = head + block + rest.split(SCORES_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def survivors(codes: dict[str, int | None], equivalent: set[str]) -> list[str]:
    return sorted(n for n, c in codes.items() if STATUS.get(c, OTHER) in (SURVIVED, NO_TESTS) and n not in equivalent)


def sync_package_data() -> None:
    """Refresh the package's non-Python files in ``mutants/`` (mutmut copies them only once,
    so an edited ``instrument.yml`` would otherwise stay stale in the copy the tests import)."""
    pkg = ROOT / "dimios"
    for src in pkg.rglob("*"):
        if src.is_file() and src.suffix not in (".py", ".pyc") and "__pycache__" not in src.parts:
            dst = MUTANTS / src.relative_to(ROOT)
            if dst.parent.exists() and (not dst.exists() or dst.read_bytes() != src.read_bytes()):
                shutil.copy2(src, dst)


def prepare(max_children: int) -> None:
    """Let mutmut (re)generate the mutants of changed code and collect which tests reach which
    function, without testing a mutant (it is asked for a mutant that does not exist)."""
    sync_package_data()
    mutmut = Path(sys.executable).with_name("mutmut")
    res = subprocess.run([str(mutmut), "run", "--max-children", str(max_children), "dimios.__prepare_only__"],
                         cwd=ROOT, capture_output=True, text=True)
    if "nothing matches" not in res.stdout + res.stderr:
        sys.stdout.write(res.stdout[-3000:])
        sys.stderr.write(res.stderr[-3000:])
        raise SystemExit(f"mutmut could not prepare the mutants (exit {res.returncode})")


def run_module(module: str, max_children: int, names: list[str] | None = None) -> int:
    """``mutmut run`` on every mutant of ``module`` (or only on ``names``)."""
    sync_package_data()
    mutmut = Path(sys.executable).with_name("mutmut")
    cmd = [str(mutmut), "run", "--max-children", str(max_children), *(names or [f"dimios.{module}.*"])]
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def check(name: str, tests: list[str]) -> int:
    """Run the working tree's tests (default: all fast tests) against one mutant from ``mutants/``:
    0 if they kill it, 1 if it survives. The mutated package is the copy mutmut made at its last run,
    so a test written since then is checked against the code that was mutated.

    mutmut's own runner cannot do this without testing the whole module again; its trampoline reads
    the mutant's name from ``MUTANT_UNDER_TEST``, which is all this sets."""
    if not (MUTANTS / "dimios").is_dir():
        print("no mutants/: run `make mutation` (or `tools/mutation.py MODULE`) first", file=sys.stderr)
        return 2
    if name not in results(MUTANTS):  # also refuses a name that would silently test the original code
        print(f"no mutant named {name} in mutants/ (see `tools/mutation.py --report --survivors`)", file=sys.stderr)
        return 2
    args = [str(Path(t).resolve()) if Path(t).exists() else t for t in tests] or [str(ROOT / "tests"), "-m", "not slow"]
    # the mutated package is imported before pytest puts the checkout (tests/ is a package) on sys.path
    code = "import sys; sys.path.insert(0, sys.argv[1]); import dimios, pytest; sys.exit(pytest.main(sys.argv[2:]))"
    cmd = [sys.executable, "-c", code, str(MUTANTS), "-q", "-x", "-p", "no:xdist", "-p", "no:cacheprovider", *args]
    rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "MUTANT_UNDER_TEST": name},
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if rc not in (0, 1, 2, 3):  # 4: bad pytest arguments, 5: no test collected
        print(f"{name}: not checked (pytest exit {rc}: no tests collected or bad arguments)", file=sys.stderr)
        return 2
    print(f"{name}: {'killed' if rc else 'survived'}")
    return 0 if rc else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help=f"modules to run (default: all core modules: {', '.join(CORE)})")
    ap.add_argument("--report", action="store_true", help="only print the scores of the last runs")
    ap.add_argument("--survivors", action="store_true", help="also list the surviving mutants")
    ap.add_argument("--retest", action="store_true",
                    help="run only the surviving and timed-out mutants of the modules again (after adding tests)")
    ap.add_argument("--all", action="store_true",
                    help="run every mutant again (default: only mutants without a result, e.g. new or changed code)")
    ap.add_argument("--stamp", action="store_true",
                    help="record that the equivalent mutants listed in docs/mutation.md were reviewed on the current code")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="per module not run in full: run (and score) only a uniform random sample of N mutants")
    ap.add_argument("--write-scores", action="store_true",
                    help="also write the scores table into docs/mutation.md (between its scores markers)")
    ap.add_argument("--check", metavar="MUTANT",
                    help="run the tests given as modules (paths; default: the fast tests) against one mutant")
    ap.add_argument("--max-children", type=int, default=int(os.environ.get("MUTMUT_CHILDREN", "2")))
    args, extra = ap.parse_known_args(argv)
    if args.check:                      # e.g. --check NAME tests/test_trends.py -k classify
        return check(args.check, args.modules + extra)
    if extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    unknown = [m for m in args.modules if m not in CORE]
    if unknown:
        ap.error(f"unknown module(s) {', '.join(unknown)}; core modules: {', '.join(CORE)}")
    if not args.report and not args.stamp:
        prepare(args.max_children)
        for module in args.modules or CORE:
            for attempt in range(3):  # mutmut 3.8 can crash while collecting its workers: go on with the rest
                codes = {n: c for n, c in results().items() if module_of(n) == module}
                if args.sample:
                    codes = {n: codes[n] for n in sample_of(codes, args.sample, module)}
                equivalent = equivalent_mutants()
                if args.retest:        # the survivors (and timeouts: a loaded machine can fake them) again
                    names = sorted(set(survivors(codes, equivalent)) | {n for n, c in codes.items()
                                                                         if STATUS.get(c) == TIMEOUT}) \
                        if attempt == 0 else \
                        sorted(n for n, c in codes.items() if c is None)
                elif (args.all and attempt == 0 or not codes) and not args.sample:
                    names = None       # every mutant of the module (mutmut reruns all it is given)
                else:                  # continue: only the mutants without a result yet
                    names = sorted(n for n, c in codes.items() if c is None)
                if names == []:
                    break
                rc = run_module(module, args.max_children, names)
                if rc == 0:
                    break
                print(f"mutmut stopped on {module} (exit {rc}), attempt {attempt + 1} of 3", file=sys.stderr)
            else:
                return rc
    codes = results()
    if not codes:
        print("no mutmut results in mutants/: run `make mutation` first", file=sys.stderr)
        return 1
    if args.stamp:
        stamp_reviewed()
    equivalent = equivalent_mutants()
    stale = sorted(listed_equivalents() - equivalent)
    population = Counter(module_of(n) for n in codes)
    rows = summary(sampled(codes, args.sample), equivalent)
    for r in rows:
        r["population"] = population[r["module"]] if r["module"] in population else r["mutants"]
    if any(r["population"] != r["mutants"] for r in rows):  # totals over census and samples mean nothing
        rows = [r for r in rows if r["module"] not in ("quality/", "all")]
    print(format_summary(rows))
    if args.write_scores:
        import datetime
        from importlib.metadata import version
        note = (f"Measured {datetime.date.today().isoformat()} with mutmut {version('mutmut')}, pandas "
                f"{version('pandas')}, `--max-children {args.max_children}`.")
        write_scores(EQUIVALENT_DOC, markdown_summary(rows, note))
    if stale:
        print(f"\n{len(stale)} mutant(s) listed as equivalent in docs/mutation.md belong to code changed since the "
              "review and are not counted as equivalent: check them (mutmut show NAME), then --stamp: "
              + ", ".join(stale[:5]) + (" …" if len(stale) > 5 else ""))
    if args.survivors:
        print("\nsurviving mutants (show one with `.venv/bin/mutmut show NAME`):")
        print("\n".join(survivors(codes, equivalent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
