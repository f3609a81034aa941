"""``registry validate``: check the CAS column of CSV/TSV files and Excel workbooks."""

from __future__ import annotations

import contextlib
import enum
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app, exit_code, in_flags
from registry.cli.output import OutputFormat, render
from registry.errors import InputFileError, RegistryError

if TYPE_CHECKING:
    from registry.bulk.pipeline import Report

_PROGRESS_MIN_BYTES = 8 << 20  # below this a file is done before a bar is worth drawing


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    jsonl = "jsonl"
    xlsx = "xlsx"


# The formats of the annotated rows (with --output), by what the output's name ends with.
_ROW_FORMATS = (Format.csv, Format.tsv, Format.jsonl, Format.xlsx)


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
def _progress_bar(path: Path, label: str) -> Iterator[Callable[[int, int], None] | None]:
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


def _is_directory(output: str | None, many: bool) -> bool:
    """Whether ``--output`` names a directory: several inputs, an existing directory, or a
    name ending with a slash."""
    if output is None or output == "-":
        return False
    return many or output.endswith(("/", "\\")) or Path(output).is_dir()


def _output_for(output: str | None, name: str, directory: bool, fmt: Format | None) -> str | None:
    """Where one input's annotated rows go: ``output``, or in a directory
    ``<stem>.validated.<the input's extension>`` (``.csv`` for standard input or none; the
    extension of ``--format`` when one is given)."""
    if output is None or output == "-" or not directory:
        return output
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    path = Path("stdin.csv" if name == "-" else name)
    suffix = f".{fmt.value}" if fmt in _ROW_FORMATS else (path.suffix or ".csv")
    return str(folder / f"{path.stem}.validated{suffix}")


def _unique(destination: str | None, written: set[str]) -> str | None:
    """``destination``, or ``<stem>-2.validated...`` (-3, ...) when an earlier input of this
    run writes there already (``x/a.csv`` and ``y/a.csv`` into one directory): no result
    replaces another."""
    if destination is None or destination == "-":
        return destination
    path, n = Path(destination), 2
    stem, _, rest = path.name.partition(".validated")
    while str(path).casefold() in written:
        path, n = path.with_name(f"{stem}-{n}.validated{rest}"), n + 1
    written.add(str(path).casefold())
    return str(path)


def _row_format(destination: str | None, fmt: Format | None) -> str | None:
    """The format of the annotated rows written to ``destination``: the one its name ends
    with, or ``--format``'s; a usage error when the two disagree."""
    from registry.bulk.writing import output_kind

    if destination is None:
        return None
    if fmt not in _ROW_FORMATS:
        if destination == "-":
            return "csv"
        return output_kind(destination, None)
    assert fmt is not None
    if destination != "-" and Path(destination).suffix.lower() in _SUFFIXES:
        named = output_kind(destination, None)
        if named != fmt.value:
            raise typer.BadParameter(
                f"{fmt.value} contradicts the output's name {destination!r} (a {named} file)",
                param_hint="--format",
            )
    return fmt.value


_SUFFIXES = (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".xlsx")


def _setting(key: str, value: Any) -> Any:
    """A setting as the summary shows it."""
    if key == "delimiter":
        return repr(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _summary_rows(report: Report) -> list[dict[str, Any]]:
    from registry.bulk.context import CROSS_COUNTS

    rows: list[dict[str, Any]] = [{"item": "rows", "value": report.rows}]
    for status, n in report.counts.items():
        rows.append({"item": f"status {status}", "value": n})
        if status == "normalised":
            rows += [
                {"item": f"normalised: {kind}", "value": k} for kind, k in report.normalised.items()
            ]
    if report.fixed is not None:
        rows.append({"item": "fixed (cas_fixed)", "value": report.fixed})
        rows += [{"item": f"fixed: {kind}", "value": n} for kind, n in report.fixes.items()]
    rows += [{"item": key, "value": _setting(key, v)} for key, v in report.settings.items()]
    rows.append({"item": "duplicate numbers", "value": report.duplicate_numbers})
    if report.cross_check:
        used = ", ".join(f"{k} ({v})" for k, v in report.cross_check["columns"].items())
        rows.append(
            {
                "item": "cross-checked",
                "value": f"{report.cross_check['source']}: {used or 'numbers only'}",
            }
        )
        unchecked = report.cross_check.get("columns not checked", {})
        listed = ", ".join(f"{kind} ({name})" for kind, name in unchecked.items())
        if listed:
            rows.append({"item": "columns no source can check", "value": listed})
        rows += [
            {"item": f"cross-check {key}", "value": report.cross_check[key]}
            for key in CROSS_COUNTS
            if key in report.cross_check
        ]
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
    _print_duplicates(report, shown, err=False)


def _print_duplicates(report: Report, shown: int, *, err: bool) -> None:
    """The most frequent repeated numbers with their first rows (nothing without any)."""
    if not report.duplicates or not shown:
        return
    typer.echo(
        f"\nDuplicate CAS numbers ({report.duplicate_numbers}; the most frequent "
        f"{min(shown, len(report.duplicates))} with their first rows):",
        err=err,
    )
    duplicates = [
        {"canonical": d.canonical, "count": d.count, "rows": ", ".join(map(str, d.rows))}
        for d in report.duplicates[:shown]
    ]
    typer.echo(render(duplicates, OutputFormat.table, ("canonical", "count", "rows")), err=err)


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
                "With --output: csv, tsv, jsonl or xlsx for the annotated rows (default: "
                "from the output's name), or json for the summary (the rows then follow the "
                "output's name). Without: table (default) or json for the summary, csv for "
                "the problem rows."
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
    cross_check: Annotated[
        bool | None,
        typer.Option(
            "--cross-check/--no-cross-check",
            help=(
                "Check each valid number against the row's name, formula, SMILES or InChIKey "
                "in the offline index and the registry (if it exists): 'mismatch' when a "
                "source gives the number to another substance (a salt's formula is a note); a "
                "name confirms suggestions for failed checksums. Default: on when the file has "
                "such a column; --cross-check without one ranks known suggestions first."
            ),
            show_default=False,
        ),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help=(
                "Add a cas_fixed column to --output: the corrected number only where it is "
                "unambiguous (a normalisation such as stripped hyphens, dashes, a prefix, "
                "leading zeros or spaces; a number repeated in its cell; a failed checksum's "
                "one candidate that the row's name confirms), never a guess. The summary "
                "counts the fixes by kind."
            ),
        ),
    ] = False,
) -> None:
    """Validate the CAS numbers in the CAS column of CSV/TSV files and Excel workbooks.

    The encoding (UTF-8, UTF-8 with BOM, UTF-16, Latin-1/cp1252), delimiter, preamble lines,
    header and CAS column are detected and can be overridden. Each cell gets a status: valid,
    normalised, multiple, embedded, number, empty, placeholder, date, invalid-format,
    invalid-length, invalid-checksum or mismatch. Rows are numbered as a spreadsheet shows
    them. Workbooks: the whole used range is read, preamble rows skipped, and the first sheet
    with a CAS column taken. The annotated rows (--output) follow the output's name: .xlsx,
    .csv, .tsv or .jsonl; a directory gets <name>.validated.<the input's extension>.

    Examples:

        registry validate list.csv

        registry validate list.csv --output checked.csv

        registry validate export.tsv --column "CAS RN" --format json

        registry validate echa.xlsx --output checked.xlsx

        registry validate list.csv --fix --output fixed.csv

        registry validate a.csv b.tsv c.xlsx --output checked/

        cat list.csv | registry validate - --fail-on never

        registry validate <(zcat list.csv.gz) --output checked.csv

    Exit status: 0 when no row is invalid (or --fail-on never), 1 when a row is invalid,
    2 for usage errors and unreadable files.
    """
    from registry.service.crosscheck import validate_file

    if output is None and fmt in (Format.jsonl, Format.tsv, Format.xlsx):
        raise typer.BadParameter(f"{fmt.value} needs --output", param_hint="--format")
    if output == "-" and fmt is Format.xlsx:
        raise typer.BadParameter("a workbook is written to a file", param_hint="--format")
    if delimiter == "\\t":
        delimiter = "\t"
    if delimiter is not None and len(delimiter) != 1:
        raise typer.BadParameter("a delimiter is one character", param_hint="--delimiter")
    index_or_name: str | int | None = column
    if column is not None and column.isdigit():
        index_or_name = int(column)
    if "" in files:
        raise typer.BadParameter("an empty file name", param_hint="FILE")
    if output == "":
        raise typer.BadParameter("an empty file name", param_hint="--output")
    if files.count("-") > 1:
        raise typer.BadParameter("standard input can be read only once", param_hint="FILE")
    many = len(files) > 1
    if many and output == "-":
        raise typer.BadParameter("'-' takes one input file", param_hint="--output")
    directory = _is_directory(output, many)
    if directory and output is not None and Path(output).exists() and not Path(output).is_dir():
        raise typer.BadParameter(
            f"{output!r} is a file; several inputs are written into a directory",
            param_hint="--output",
        )
    # Every file is validated; one that fails is named on its own error line and the rest
    # go on. The exit status is the worst: 2 for an unreadable file, 1 for invalid rows.
    results: list[Report | tuple[str, RegistryError]] = []
    written: set[str] = set()
    for name in files:
        destination = _unique(_output_for(output, name, directory, fmt), written)
        kind = _row_format(destination, fmt)
        try:
            with (
                _local_file(name) as path,
                _progress_bar(path, f"validating {name}") as progress,
            ):
                if name != "-" and path.is_dir():
                    raise InputFileError(f"{name}: is a directory")
                report = validate_file(
                    path,
                    cross_check=cross_check,
                    column=index_or_name,
                    encoding=encoding,
                    delimiter=delimiter,
                    skip_lines=skip_lines,
                    header=header,
                    sheet=sheet,
                    output=sys.stdout if destination == "-" else destination,
                    output_format=kind,
                    max_problems=show,
                    max_duplicates=show,
                    engine=engine.value,
                    progress=progress,
                    fix=fix,
                )
        except RegistryError as error:
            results.append((name, error))
            continue
        if name == "-":
            report.path = "<stdin>"
        results.append(report)
    status = _print_results(results, fmt, output, show)
    reports = [r for r in results if not isinstance(r, tuple)]
    if fail_on is FailOn.invalid and any(r.invalid for r in reports):
        status = max(status, 1)
    if status:
        raise typer.Exit(status)


def _error_line(name: str, error: RegistryError) -> str:
    """One line naming the file (the library's messages mostly start with it already)."""
    message = in_flags(str(error))
    shown = "<stdin>" if name == "-" else name
    return message if message.startswith(shown) else f"{shown}: {message}"


def _print_results(
    results: list[Report | tuple[str, RegistryError]],
    fmt: Format | None,
    output: str | None,
    show: int,
) -> int:
    """Print each file's summary (or error line); return the worst exit status of the
    errors (0 without any)."""
    status = 0
    # JSON is one array of every file's summary (or error), after them all.
    in_order = fmt is not Format.json and (fmt in (None, Format.table) or output is not None)
    for result in results:
        if isinstance(result, tuple):
            name, error = result
            typer.echo(f"error: {_error_line(name, error)}", err=True)
            status = max(status, exit_code(error))
        elif in_order:
            _print_reports([result], fmt, output, show)
    if in_order:
        return status
    reports = [r for r in results if not isinstance(r, tuple)]
    if fmt is Format.json:
        entries: list[dict[str, Any]] = []
        for result in results:
            if isinstance(result, tuple):
                name, error = result
                entries.append({"path": name, "error": _error_line(name, error)})
            else:
                entries.append(result.to_dict())
        # With the rows on standard output, the summary goes to standard error.
        typer.echo(json.dumps(entries, indent=2, ensure_ascii=False), err=output == "-")
        return status
    _print_reports(reports, fmt, output, show)
    return status


def _print_reports(
    reports: list[Report], fmt: Format | None, output: str | None, show: int
) -> None:
    # With the rows on standard output, the summary must go to standard error.
    err = output == "-"
    if output is not None or fmt in (None, Format.table):
        if output is not None:
            for report in reports:
                fixed = "" if report.fixed is None else f", {report.fixed} fixed"
                typer.echo(
                    f"{report.path}: {report.rows} rows, {report.invalid} invalid{fixed} "
                    f"-> {report.output}",
                    err=True,
                )
                _print_duplicates(report, show, err=True)
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
