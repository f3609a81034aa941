"""Writing the annotated rows: every input row with the four added columns, in input order.

:class:`Writer` writes CSV, TSV or JSON Lines from polars chunks or from rows of the csv-module
reader (:class:`registry.bulk.workbook_out.WorkbookWriter` writes workbooks). :func:`output_kind`
picks the format from the output's name; :func:`open_output` gives the handle and
:func:`replacing` the file: a path is written as a hidden file beside it that takes its place
only once everything is written.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import polars as pl

from registry.bulk.cells import Cell, CellStatus
from registry.bulk.workbook_out import WorkbookWriter
from registry.errors import InputFileError

__all__ = [
    "ADDED_COLUMNS",
    "FIXED_COLUMN",
    "OutputKind",
    "RowWriter",
    "Writer",
    "added_columns",
    "added_need_no_quotes",
    "open_output",
    "open_writer",
    "output_delimiter",
    "output_kind",
    "output_name",
    "replacing",
]

ADDED_COLUMNS = ("cas_canonical", "cas_status", "cas_reason", "cas_suggestion")
"""The columns added to every row written, after the row's own."""
FIXED_COLUMN = "cas_fixed"
"""The column ``fix`` adds after :data:`ADDED_COLUMNS`: the corrected number, where
unambiguous (see :mod:`registry.bulk.fixes`)."""


def added_columns(fix: bool) -> tuple[str, ...]:
    """The columns added to every row: :data:`ADDED_COLUMNS`, and ``cas_fixed`` with ``fix``."""
    return (*ADDED_COLUMNS, FIXED_COLUMN) if fix else ADDED_COLUMNS


OutputKind = Literal["csv", "tsv", "jsonl", "xlsx"]
"""What the annotated rows are written as: CSV, TSV, JSON Lines or an Excel workbook."""
_KIND_BY_SUFFIX: dict[str, OutputKind] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}


def output_kind(
    output: str | os.PathLike[str] | IO[str] | None, requested: OutputKind | None
) -> OutputKind:
    """The format of the output: ``requested`` when given, else the one its name ends with
    (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``, ``.xlsx``), else CSV.

    >>> output_kind("checked.xlsx", None), output_kind("out.TSV", None), output_kind("x", None)
    ('xlsx', 'tsv', 'csv')
    """
    if requested is not None:
        return requested
    if isinstance(output, str | os.PathLike):
        return _KIND_BY_SUFFIX.get(Path(output).suffix.lower(), "csv")
    return "csv"


def output_delimiter(kind: OutputKind, input_delimiter: str) -> str:
    """The field separator of a CSV or TSV output: a tab for TSV; for CSV the input's own
    (a semicolon list stays one, as the Excel of its locale reads it) unless that is a tab.

    >>> output_delimiter("tsv", ","), output_delimiter("csv", ";"), output_delimiter("csv", "\\t")
    ('\\t', ';', ',')
    """
    if kind == "tsv":
        return "\t"
    return "," if input_delimiter == "\t" else input_delimiter


# What our own added columns can hold besides the reasons: CAS numbers joined by "; ", and
# status names. A delimiter outside it never needs quoting in them.
_OWN_TEXT = frozenset("0123456789-; ").union(*(status.value for status in CellStatus))


def _unique_names(columns: Sequence[str]) -> list[str]:
    """Column names usable as keys: blanks named by position, repeats numbered."""
    seen: Counter[str] = Counter()
    names = []
    for index, name in enumerate(columns):
        base = name.strip() or f"column_{index + 1}"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


def _added_names(columns: Sequence[str], added: Sequence[str]) -> list[str]:
    taken = set(columns)
    return [name if name not in taken else f"{name}_added" for name in added]


def added_need_no_quotes(delimiter: str) -> bool:
    """True when the added columns, reasons aside (see :func:`_quoted`), never need quotes
    in a file with this delimiter."""
    return delimiter not in _OWN_TEXT and delimiter != '"'


class Writer:
    """Writes annotated rows as CSV (input delimiter) or JSON Lines, counting them."""

    def __init__(
        self,
        handle: IO[str],
        kind: OutputKind,
        columns: Sequence[str],
        delimiter: str,
        *,
        input_delimiter: str | None = None,
        added: Sequence[str] = ADDED_COLUMNS,
    ) -> None:
        self.handle = handle
        # A chunk read as needing no quotes needs none here only with the same delimiter.
        self.same_delimiter = input_delimiter in (None, delimiter)
        self.kind = kind
        self.delimiter = delimiter
        self.columns = list(columns)
        self.keys = _unique_names(columns)
        self.added = _added_names(self.keys, added)
        self.fix = FIXED_COLUMN in added
        self.written = 0
        if kind != "jsonl":
            csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerow(
                [*self.columns, *added]
            )

    def frame(self, chunk: pl.DataFrame, cells: pl.DataFrame, unquoted: bool) -> None:
        """Write ``chunk``'s rows with ``cells``; ``unquoted``: no field but the reasons needs
        quoting (see :class:`registry.bulk.reading.Parsed`)."""
        width = len(self.columns)
        original = chunk.select(chunk.columns[:width])
        if unquoted and not self.same_delimiter:
            # Read as needing no quotes, empty fields came as "", which polars would quote
            # with another delimiter: null is written empty, as the csv module writes them.
            original = original.with_columns(
                pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in original.columns
            )
        out = pl.concat(
            [
                original.rename(dict(zip(original.columns, self.keys, strict=True))),
                cells.rename(dict(zip(cells.columns, self.added, strict=True))),
            ],
            how="horizontal",
        )
        buffer: IO[bytes] | None = getattr(self.handle, "buffer", None)
        if buffer is not None:  # a file: polars writes bytes straight into it
            self.handle.flush()
            target: IO[bytes] = buffer
        else:
            target = io.BytesIO()
        if self.kind != "jsonl":
            quote_style: Literal["necessary", "never"] = "necessary"
            if unquoted and self.same_delimiter:
                # Only the reasons can need quotes: quoting those few here spares polars its
                # check of every field, with the same output.
                reason = self.added[2]
                out = out.with_columns(_quoted(out.get_column(reason), self.delimiter))
                quote_style = "never"
            out.write_csv(
                target,
                include_header=False,
                separator=self.delimiter,
                line_terminator="\n",
                null_value="",
                quote_style=quote_style,
            )
        else:
            out.with_columns(pl.col(self.keys).fill_null("")).write_ndjson(target)
        if isinstance(target, io.BytesIO):
            self.handle.write(target.getvalue().decode("utf-8"))
        self.written += out.height

    def rows(self, rows: Sequence[Sequence[Any]], cells: Sequence[Cell]) -> None:
        width = len(self.columns)
        if self.kind != "jsonl":
            writer = csv.writer(self.handle, delimiter=self.delimiter, lineterminator="\n")
            for row, cell in zip(rows, cells, strict=True):
                added = [
                    cell.canonical or "",
                    cell.status.value,
                    cell.reason,
                    cell.suggestion or "",
                ]
                if self.fix:
                    added.append(cell.fixed or "")
                # Fields beyond the header go after the added columns, so nothing is lost.
                writer.writerow([*row[:width], *added, *row[width:]])
        else:
            for row, cell in zip(rows, cells, strict=True):
                record: dict[str, Any] = dict(zip(self.keys, row[:width], strict=False))
                verdict = [cell.canonical, cell.status.value, cell.reason or None, cell.suggestion]
                if self.fix:
                    verdict.append(cell.fixed)
                record.update(zip(self.added, verdict, strict=True))
                if len(row) > width:
                    record["extra_fields"] = row[width:]
                self.handle.write(
                    json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
                )
        self.written += len(rows)


def _quoted(column: pl.Series, delimiter: str) -> pl.Series:
    """``column`` with the values polars would quote (``quote_style="necessary"``) quoted:
    those holding the delimiter, a quote or a line break, and empty text."""
    present = column.is_not_null().arg_true()  # most rows have no reason: look at the rest
    values = column.gather(present)
    special = values.str.contains_any([delimiter, '"', "\n", "\r"]) | (values.str.len_bytes() == 0)
    if not special.any():
        return column
    quoted = '"' + values.filter(special).str.replace_all('"', '""', literal=True) + '"'
    return column.clone().scatter(present.filter(special), quoted)


@contextlib.contextmanager
def open_output(output: str | os.PathLike[str] | IO[str] | None) -> Iterator[IO[str] | None]:
    """A text handle for the output, written anew.

    A path to a regular file (or to none yet) is written as a hidden file beside it, which
    takes its place once everything is written: a run that fails leaves the file as it was,
    and the output may be the input itself (truncating it first would lose every row).
    """
    if output is None:
        yield None
        return
    if isinstance(output, str | os.PathLike):
        with replacing(output) as (path, mode), _opened(path, mode, output) as handle:
            yield handle
        return
    if output.seekable():
        output.seek(0)
        output.truncate()
    yield output


@contextlib.contextmanager
def replacing(output: str | os.PathLike[str]) -> Iterator[tuple[Path, Literal["w", "x"]]]:
    """The file to write ``output`` through, and the mode to open it with.

    A regular file (or none yet) is written as a hidden file beside it (mode ``x``, created
    with the mode the umask gives) which replaces it once the block ends without an error; a
    failed run removes it and leaves ``output`` as it was. A device or a pipe is written
    directly (mode ``w``). A link's target is replaced, not the link.
    """
    target = Path(os.path.realpath(output))
    if target.exists() and not target.is_file():
        yield target, "w"
        return
    _remove_stale_parts(target)
    # The writer's process id in the name tells a run killed on the way (its part is stale)
    # from one still writing the same output.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    written = False
    try:
        yield temporary, "x"
        written = True
        if target.exists():
            shutil.copymode(target, temporary)
        temporary.replace(target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if written and isinstance(error, OSError):  # closing it or moving it into place
            raise InputFileError(f"{output}: {error.strerror or error}") from error
        raise


def _remove_stale_parts(target: Path) -> None:
    """Remove the hidden part files of ``target`` that runs killed on the way left behind
    (their process is gone); a part that a running process still writes stays."""
    prefix = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        fields = name[len(prefix) : -len(".part")].split(".")
        if len(fields) != 2 or not fields[0].isdigit() or _running(int(fields[0])):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()


def _running(pid: int) -> bool:
    """Whether a process with this id exists (one of another user's counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class RowWriter(Protocol):
    """What writes the annotated rows: :class:`Writer` or a workbook's writer."""

    written: int

    def frame(self, chunk: pl.DataFrame, cells: pl.DataFrame, unquoted: bool) -> None: ...

    def rows(self, rows: Sequence[Sequence[Any]], cells: Sequence[Cell]) -> None: ...


@contextlib.contextmanager
def open_writer(
    output: str | os.PathLike[str] | IO[str] | None,
    kind: OutputKind,
    columns: Sequence[str],
    delimiter: str,
    *,
    title: str = "validated",
    fix: bool = False,
) -> Iterator[RowWriter | None]:
    """The writer of the annotated rows into ``output`` (None without one), as ``kind``;
    ``delimiter`` is the input's (see :func:`output_delimiter`), ``title`` a workbook's sheet;
    ``fix`` adds ``cas_fixed``.
    """
    if output is None:
        yield None
        return
    if kind != "xlsx":
        with open_output(output) as handle:
            assert handle is not None
            yield Writer(
                handle,
                kind,
                columns,
                output_delimiter(kind, delimiter),
                input_delimiter=delimiter,
                added=added_columns(fix),
            )
        return
    if not isinstance(output, str | os.PathLike):
        raise InputFileError("a workbook is written to a file: give output= a path (.xlsx)")
    with replacing(output) as (path, mode):
        if mode == "w":
            raise InputFileError(f"{output}: a workbook is written to a regular file")
        writer = WorkbookWriter(path, columns, added_columns(fix), title=title, name=str(output))
        yield writer
        try:
            writer.close()
        except OSError as error:
            raise InputFileError(f"{output}: {error.strerror or error}") from error


def output_name(output: str | os.PathLike[str] | IO[str] | None) -> str | None:
    """What :attr:`registry.bulk.Report.output` says of ``output``: a path, a handle's name."""
    if output is None:
        return None
    if isinstance(output, str | os.PathLike):
        return str(output)
    return str(getattr(output, "name", "<stream>"))


def _opened(path: Path, mode: Literal["w", "x"], output: str | os.PathLike[str]) -> IO[str]:
    try:
        return open(path, mode, encoding="utf-8", newline="")
    except OSError as error:
        raise InputFileError(f"{output}: {error.strerror or error}") from error
