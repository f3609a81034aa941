"""Writing the annotated rows: every input row with the four added columns, in input order.

:class:`Writer` writes CSV (the input's delimiter) or JSON Lines from polars chunks or from rows
of the csv-module reader. :func:`open_output` gives the handle: a path is written as a hidden
file beside it that takes its place only once everything is written.
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
from typing import IO, Any, Literal

import polars as pl

from registry.bulk.cells import Cell, CellStatus
from registry.errors import InputFileError

__all__ = [
    "ADDED_COLUMNS",
    "OutputKind",
    "Writer",
    "added_need_no_quotes",
    "open_output",
    "output_name",
]

ADDED_COLUMNS = ("cas_canonical", "cas_status", "cas_reason", "cas_suggestion")
"""The columns added to every row written, after the row's own."""
OutputKind = Literal["csv", "jsonl"]

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


def _added_names(columns: Sequence[str]) -> list[str]:
    taken = set(columns)
    return [name if name not in taken else f"{name}_added" for name in ADDED_COLUMNS]


def added_need_no_quotes(delimiter: str) -> bool:
    """True when the added columns, reasons aside (see :func:`_quoted`), never need quotes
    in a file with this delimiter."""
    return delimiter not in _OWN_TEXT and delimiter != '"'


class Writer:
    """Writes annotated rows as CSV (input delimiter) or JSON Lines, counting them."""

    def __init__(
        self, handle: IO[str], kind: OutputKind, columns: Sequence[str], delimiter: str
    ) -> None:
        self.handle = handle
        self.kind = kind
        self.delimiter = delimiter
        self.columns = list(columns)
        self.keys = _unique_names(columns)
        self.added = _added_names(self.keys)
        self.written = 0
        if kind == "csv":
            csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerow(
                [*self.columns, *ADDED_COLUMNS]
            )

    def frame(self, chunk: pl.DataFrame, cells: pl.DataFrame, unquoted: bool) -> None:
        """Write ``chunk``'s rows with ``cells``; ``unquoted``: no field but the reasons needs
        quoting (see :class:`registry.bulk.reading.Parsed`)."""
        width = len(self.columns)
        original = chunk.select(chunk.columns[:width])
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
        if self.kind == "csv":
            quote_style: Literal["necessary", "never"] = "necessary"
            if unquoted:
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

    def rows(self, rows: list[list[str]], cells: list[Cell]) -> None:
        width = len(self.columns)
        if self.kind == "csv":
            writer = csv.writer(self.handle, delimiter=self.delimiter, lineterminator="\n")
            for row, cell in zip(rows, cells, strict=True):
                added = [
                    cell.canonical or "",
                    cell.status.value,
                    cell.reason,
                    cell.suggestion or "",
                ]
                # Fields beyond the header go after the added columns, so nothing is lost.
                writer.writerow([*row[:width], *added, *row[width:]])
        else:
            for row, cell in zip(rows, cells, strict=True):
                record: dict[str, Any] = dict(zip(self.keys, row[:width], strict=False))
                record.update(
                    zip(
                        self.added,
                        [cell.canonical, cell.status.value, cell.reason or None, cell.suggestion],
                        strict=True,
                    )
                )
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
        target = Path(os.path.realpath(output))  # a link's target is replaced, not the link
        if target.exists() and not target.is_file():  # a device or a pipe: written directly
            with _opened(target, "w", output) as handle:
                yield handle
            return
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        handle = _opened(temporary, "x", output)  # created with the mode the umask gives
        written = False
        try:
            with handle:
                yield handle
                written = True
            if target.exists():
                shutil.copymode(target, temporary)
            temporary.replace(target)
        except BaseException as error:
            temporary.unlink(missing_ok=True)
            if written and isinstance(error, OSError):  # closing it or moving it into place
                raise InputFileError(f"{output}: {error.strerror or error}") from error
            raise
        return
    if output.seekable():
        output.seek(0)
        output.truncate()
    yield output


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
