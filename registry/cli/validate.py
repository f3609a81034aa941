"""``registry validate``: check the CAS column of CSV/TSV files and Excel workbooks."""

from __future__ import annotations

import contextlib
import enum
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.errors import InputFileError

if TYPE_CHECKING:
    from registry.bulk.pipeline import Progress, Report

_PROGRESS_MIN_BYTES = 8 << 20  # below this a file is done before a bar is worth drawing


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"


class FailOn(enum.StrEnum):
    invalid = "invalid"
    never = "never"


class Engine(enum.StrEnum):
    auto = "auto"
    polars = "polars"
    csv = "csv"


@contextlib.contextmanager
def _local_file(name: str) -> Iterator[Path]:
    """The input as a file on disk; standard input is spooled to a temporary file first."""
    if name != "-":
        yield Path(name)
        return
    with tempfile.NamedTemporaryFile(suffix=".csv") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.flush()
        yield Path(spool.name)


@contextlib.contextmanager
def _progress_bar(path: Path, label: str) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, only on a terminal and only for large files."""
    try:
        large = path.stat().st_size >= _PROGRESS_MIN_BYTES
    except OSError:
        large = False
    if not (sys.stderr.isatty() and large):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _output_for(output: str | None, name: str, many: bool, kind: str) -> str | None:
    if output is None or output == "-":
        return output
    if not many:
        return output
    directory = Path(output)
    directory.mkdir(parents=True, exist_ok=True)
    stem = "stdin" if name == "-" else Path(name).stem
    return str(directory / f"{stem}.validated.{kind}")


def _summary_rows(report: Report) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"item": "rows", "value": report.rows}]
    rows += [{"item": f"status {status}", "value": n} for status, n in report.counts.items()]
    rows += [
        {"item": key, "value": repr(v) if key == "delimiter" else v}
        for key, v in report.settings.items()
    ]
    rows.append({"item": "duplicate numbers", "value": report.duplicate_numbers})
    return rows


def _print_table(report: Report, shown: int) -> None:
    typer.echo(f"== {report.path}")
    typer.echo(render(_summary_rows(report), OutputFormat.table, ("item", "value")))
    if report.problems:
        typer.echo(f"\nFirst {len(report.problems)} of {report.invalid} invalid rows:")
        problems = [
            {**_fields(p), "suggestion": p.suggestion or ""} for p in report.problems[:shown]
        ]
        typer.echo(
            render(problems, OutputFormat.table, ("row", "value", "status", "reason", "suggestion"))
        )
    if report.duplicates:
        typer.echo(
            f"\nDuplicate CAS numbers ({report.duplicate_numbers}; the most frequent "
            f"{len(report.duplicates)} with their first rows):"
        )
        duplicates = [
            {"canonical": d.canonical, "count": d.count, "rows": ", ".join(map(str, d.rows))}
            for d in report.duplicates[:shown]
        ]
        typer.echo(render(duplicates, OutputFormat.table, ("canonical", "count", "rows")))


def _fields(problem: Any) -> dict[str, Any]:
    return {name: getattr(problem, name) for name in problem.__slots__}


@app.command("validate")
def validate_command(
    files: Annotated[
        list[str],
        typer.Argument(
            help=(
                "CSV, TSV or .xlsx files (pipes and FIFOs too, read once); '-' reads standard "
                "input."
            ),
            show_default=False,
            metavar="FILE...",
        ),
    ],
    column: Annotated[
        str | None,
        typer.Option("--column", "-c", help="The CAS column by name or 0-based index."),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help=(
                "Write every input row, in order, with cas_canonical, cas_status, cas_reason "
                "and cas_suggestion added ('-' for standard output; a directory when several "
                "files are given). The file is replaced only once complete, so it may be the "
                "input CSV file itself (never the input workbook)."
            ),
        ),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help=(
                "With --output: csv (default) or jsonl for the annotated rows. Without: "
                "table (default) or json for the summary, csv for the problem rows."
            ),
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when any row is invalid, or never."),
    ] = FailOn.invalid,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Worksheet of an .xlsx file (default: first).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Override the detected encoding.")
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option("--delimiter", "-d", help="Override the detected delimiter ('\\t' for tab)."),
    ] = None,
    skip_lines: Annotated[
        int | None,
        typer.Option("--skip-lines", min=0, help="Lines of preamble above the header."),
    ] = None,
    header: Annotated[
        bool | None,
        typer.Option("--header/--no-header", help="Whether the first row names the columns."),
    ] = None,
    show: Annotated[int, typer.Option("--show", min=0, help="How many problem rows to list.")] = 20,
    engine: Annotated[
        Engine,
        typer.Option("--engine", help="Reader: polars, the csv module, or auto.", hidden=True),
    ] = Engine.auto,
) -> None:
    """Validate the CAS numbers in the CAS column of CSV/TSV files and Excel workbooks.

    The encoding (UTF-8, UTF-8 with BOM, UTF-16, Latin-1/cp1252), delimiter, preamble lines,
    header and CAS column are detected and can be overridden. Each cell gets a status: valid,
    normalised, multiple, embedded, number, empty, placeholder, date, invalid-format,
    invalid-length or invalid-checksum. Rows are numbered as a spreadsheet shows them.

    Examples:

        registry validate list.csv

        registry validate list.csv --output checked.csv

        registry validate export.tsv --column "CAS RN" --format json

        registry validate echa.xlsx --sheet Substances --output checked.jsonl -f jsonl

        cat list.csv | registry validate - --fail-on never

        registry validate <(zcat list.csv.gz) --output checked.csv

    Exit status: 0 when no row is invalid (or --fail-on never), 1 when a row is invalid,
    2 for usage errors and unreadable files.
    """
    from registry.bulk.pipeline import validate_csv

    if output is not None:
        kind = "jsonl" if fmt is Format.jsonl else "csv"
        if fmt is Format.json:
            raise typer.BadParameter("use jsonl (or csv) with --output", param_hint="--format")
    else:
        if fmt is Format.jsonl:
            raise typer.BadParameter("jsonl needs --output", param_hint="--format")
        kind = "csv"
    if delimiter == "\\t":
        delimiter = "\t"
    if delimiter is not None and len(delimiter) != 1:
        raise typer.BadParameter("a delimiter is one character", param_hint="--delimiter")
    index_or_name: str | int | None = column
    if column is not None and column.isdigit():
        index_or_name = int(column)
    if files.count("-") > 1:
        raise typer.BadParameter("standard input can be read only once", param_hint="FILE")
    many = len(files) > 1
    if many and output == "-":
        raise typer.BadParameter("'-' takes one input file", param_hint="--output")
    reports: list[Report] = []
    for name in files:
        destination = _output_for(output, name, many, kind)
        with _local_file(name) as path, _progress_bar(path, f"validating {name}") as progress:
            if name != "-" and path.is_dir():
                raise InputFileError(f"{name}: is a directory")
            report = validate_csv(
                path,
                column=index_or_name,
                encoding=encoding,
                delimiter=delimiter,
                skip_lines=skip_lines,
                header=header,
                sheet=sheet,
                output=sys.stdout if destination == "-" else destination,
                output_format="jsonl" if kind == "jsonl" else "csv",
                max_problems=show,
                max_duplicates=show,
                engine=engine.value,
                progress=progress,
            )
        if name == "-":
            report.path = "<stdin>"
        reports.append(report)
    _print_reports(reports, fmt, output, show)
    if fail_on is FailOn.invalid and any(r.invalid for r in reports):
        raise typer.Exit(1)


def _print_reports(
    reports: list[Report], fmt: Format | None, output: str | None, show: int
) -> None:
    # With the rows on standard output, the summary must go to standard error.
    err = output == "-"
    if output is not None or fmt in (None, Format.table):
        if output is not None:
            for report in reports:
                typer.echo(
                    f"{report.path}: {report.rows} rows, {report.invalid} invalid "
                    f"-> {report.output}",
                    err=True,
                )
            return
        for report in reports:
            _print_table(report, show)
        return
    if fmt is Format.json:
        typer.echo(
            json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False), err=err
        )
        return
    problems = [{"file": r.path, **_fields(p)} for r in reports for p in r.problems]
    typer.echo(
        render(
            problems, OutputFormat.csv, ("file", "row", "value", "status", "reason", "suggestion")
        ),
        err=err,
    )
