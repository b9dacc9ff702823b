"""Command line: ``dimios validate | spread | synth | build``.

Bad input never ends in a traceback: a ``DataValidationError`` is printed as a short
report on stderr and the command exits with code 2.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from pathlib import Path
from typing import Optional

import typer

import dimios.timing  # noqa: F401 - its clock starts now (DIMIOS_TIMINGS=1)

app = typer.Typer(add_completion=False, no_args_is_help=True, help="DiMiOS report pipeline.")

EXIT_BAD_INPUT = 2


def _show_version(value: bool) -> None:
    if value:
        from dimios import __version__

        typer.echo(f"dimios {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Show the version of the pipeline and exit."),
) -> None:
    """DiMiOS report pipeline."""


def _clean_errors(func):
    """Turn bad input into a readable report and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from dimios.validation import DataValidationError

        try:
            return func(*args, **kwargs)
        except DataValidationError as err:
            typer.echo(err.format_report(), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


def _read(path: Path, mapping: Optional[Path]):
    from dimios import io

    result = io.read_responses(path, mapping=mapping)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    return result.data


@app.command()
@_clean_errors
def validate(
    file: Path = typer.Argument(..., help="Respondent data (.csv, .xlsx or .parquet)."),
    mapping: Optional[Path] = typer.Option(None, help="Column-mapping file (YAML or CSV)."),
):
    """Check a respondent file against the data contract."""
    data = _read(file, mapping)
    typer.echo(
        f"{file}: OK — {len(data)} respondent rows, {data['organisation_id'].nunique()} organisations, "
        f"years {', '.join(str(y) for y in sorted(data['year'].unique()))}"
    )


@app.command()
@_clean_errors
def spread(
    file: Path = typer.Argument(..., help="Respondent data."),
    out: Path = typer.Option(Path("spread.csv"), help="Where to write the spread table (CSV)."),
    mapping: Optional[Path] = typer.Option(None, help="Column-mapping file."),
    exclude_careless: bool = typer.Option(False, help="Leave careless respondents out."),
):
    """Spread of organisations over the maturity levels, in the published table layout."""
    from dimios import scoring
    from dimios import spread as spread_mod

    data = _read(file, mapping)
    if exclude_careless:
        from dimios.context import careless_flags

        careless = careless_flags(data)["careless"].to_numpy()
        data = data[~careless]
        typer.echo(f"left out {int(careless.sum())} careless respondents", err=True)
    table = spread_mod.spread_table(scoring.organisation_scores(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, lineterminator="\n")
    typer.echo(f"wrote {out} ({len(table)} rows)")


@app.command()
def synth(
    out: Path = typer.Option(..., help="Output file (.parquet or .csv)."),
    seed: Optional[int] = typer.Option(None, help="Random seed (default: the calibrated seed)."),
    scale: float = typer.Option(1.0, help="Multiply organisations and respondents (benchmarks)."),
):
    """Write the synthetic DiMiOS panel (and its careless ground truth beside it)."""
    from dimios import synthetic

    typer.echo("generating the synthetic panel …", err=True)
    truth_path = synthetic.write_panel(out, seed=seed, scale=scale)
    typer.echo(f"wrote {out} and {truth_path}")


EXIT_INTERRUPTED = 130


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (the build cleans up and the previous report stays)."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through a subprocess
    raise _Terminated()


def _parameters(build_mod, given: list[str]) -> dict:
    """``{name: text}`` of the ``-P name=value`` options; a name given twice is refused (whatever the
    parameter), since which of the two values was meant cannot be known."""
    params: dict = {}
    for text in given:
        name, value = build_mod.parse_parameter(text)
        name = name.strip()
        if name in params:
            raise build_mod.UsageError(f"-P {name} given twice ({name}={params[name]} and {name}={value}); "
                                       "give each parameter once")
        params[name] = value
    return params


def _nothing_written(err: BaseException) -> str:
    """What a failed build left: the previous report when there was one (the build marks its errors
    with ``previous_report``), else nothing."""
    if getattr(err, "previous_report", False):
        return "the previous report is unchanged."
    return "no report was written."


@app.command()
def build(
    data: Optional[Path] = typer.Option(None, help="Respondent data; default: the synthetic panel."),
    out: Path = typer.Option(None, help="Report folder (default: report/)."),
    parameter: list[str] = typer.Option([], "-P", "--parameter",
                                        help="Notebook parameter name=value (repeatable); an unknown name lists "
                                             "the known ones."),
    mapping: Optional[Path] = typer.Option(None, help="Column-mapping file for --data."),
    jobs: Optional[int] = typer.Option(None, help="Notebooks run at the same time (default: one per core, "
                                                  "fewer when memory is short)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Execute every notebook even if unchanged (and "
                                                            "refresh the cache)."),
    no_quarto: bool = typer.Option(False, "--no-quarto", help="Assemble with nbconvert even if Quarto is installed."),
    no_pdf: bool = typer.Option(False, "--no-pdf", help="Leave out the PDF edition (Quarto with TeX renders it by "
                                                        "default); the previous PDF is removed."),
    organisation: Optional[str] = typer.Option(
        None, help="Build the organisation report for this organisation id ('auto': the only organisation in "
                   "the file); written to report/organisation/<ID>/ unless --out is given."),
):
    """Build the report: validate data, run the notebooks, assemble the book."""
    import signal

    from dimios import build as build_mod
    from dimios import paths

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        params = _parameters(build_mod, parameter)
        opts = build_mod.BuildOptions(
            data=data, out=out or paths.REPORT, parameters=params, mapping=mapping, jobs=jobs,
            use_cache=not no_cache, quarto=None if no_quarto else "auto",
            command_line=shlex.join(["dimios", *sys.argv[1:]]), organisation=organisation, pdf=not no_pdf,
        )
        index = build_mod.build(opts)
    except build_mod.UsageError as err:
        typer.echo(f"dimios build: {err}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except build_mod.BuildError as err:
        text = str(err)  # one line when the cause fits on one (a failing Quarto says more)
        left = _nothing_written(err)
        typer.echo(f"build failed: {text}" + (f"\n{left}" if "\n" in text else f"; {left}"), err=True)
        raise typer.Exit(1) from None
    except Exception as err:
        validation = sys.modules.get("dimios.validation")  # not imported (pandas) unless data was read
        if validation is None or not isinstance(err, validation.DataValidationError):
            raise
        typer.echo(err.format_report(), err=True)
        typer.echo(f"build stopped: {_nothing_written(err)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt as err:
        typer.echo(f"interrupted; {_nothing_written(err).rstrip('.')}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # the build has cleaned up (kernels killed, temporary folders removed, lock released); leave
        # now rather than wait for the killed kernels' sockets to wind down at interpreter exit
        os._exit(143 if isinstance(err, _Terminated) else EXIT_INTERRUPTED)
    typer.echo(f"report: {index}")
    # the interpreter's last garbage collection would walk everything the build imported (measured
    # 0.2 s of the exit); frozen objects are skipped, and nothing is left to collect that matters
    import gc

    gc.freeze()


@app.command()
def fingerprint(
    report: Path = typer.Argument(Path("report"), help="A report folder built on the default panel."),
    write: bool = typer.Option(False, "--write", help="Rewrite the committed fingerprints from this report "
                                                       "(after an intended change)."),
):
    """Compare the numbers a report prints, and the default panel, with the committed fingerprints."""
    import json

    from dimios import printed, synthetic

    prov_file = report / "provenance.json"
    try:
        prov = json.loads(prov_file.read_text(encoding="utf-8"))
        numbers = printed.report_numbers(report)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {report}: {exc} (build the default report first: make report)", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    from dimios.build.plan import DEFAULT_DATA_LABEL

    default = prov.get("input", {}).get("file") == DEFAULT_DATA_LABEL
    if prov.get("report") != "national" or prov.get("parameters") or not default:
        typer.echo(f"error: {report} is not the default report (national, default panel, no -P parameters): "
                   "its numbers are not the published ones", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if write:
        typer.echo(f"wrote {printed.write_manifest(numbers)} ({len(numbers)} tables and sections)")
        typer.echo(f"wrote {synthetic.write_default_panel_fingerprints()}")
        return
    problems = printed.compare(printed.read_manifest(), numbers)
    for line in problems:
        typer.echo(line)
    if problems:
        typer.echo(f"{len(problems)} tables/sections print other numbers than {printed.MANIFEST.name}; after an "
                   "intended change: dimios fingerprint --write (make fingerprints)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(numbers)} tables and sections print the committed numbers")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
