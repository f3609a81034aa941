"""Reading a worksheet of an Excel workbook (openpyxl, read-only mode) as rows of typed values.

Cells keep the type Excel stored (str, int, float, datetime), so that CAS numbers Excel turned
into numbers or dates can be reported as such.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path
from typing import IO, Any

import polars as pl

from registry.bulk.cells import Cell, CellStatus, cells_frame, classify_cell
from registry.bulk.report import Report, Tally
from registry.bulk.sniff import Dialect, find_cas_column, resolve_column
from registry.bulk.writing import OutputKind, Writer, open_output, output_name
from registry.errors import InputFileError

__all__ = ["read_workbook", "validate_rows"]


def read_workbook(
    path: Path, sheet: str | None = None, *, name: Path | None = None
) -> tuple[list[list[object]], dict[str, Any]]:
    """The rows of ``sheet`` (default: the first) and the settings to report; messages name
    the file as ``name`` (default: ``path``)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = path if name is None else name
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise InputFileError(f"{name}: not a readable .xlsx workbook ({error})") from error
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise InputFileError(
                f"{name}: no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        rows: list[list[object]] = [list(row) for row in worksheet.iter_rows(values_only=True)]
        title = worksheet.title
    finally:
        workbook.close()
    # Trailing empty rows are formatting, not data.
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    return rows, {"encoding": "xlsx", "sheet": title}


def validate_rows(
    source: Path,
    rows: list[list[object]],
    settings: dict[str, Any],
    column: str | int | None,
    header: bool | None,
    output: str | os.PathLike[str] | IO[str] | None,
    output_format: OutputKind,
    max_problems: int,
    max_duplicates: int,
) -> Report:
    """Validate rows of typed values (a worksheet) as
    :func:`registry.bulk.validate_csv` validates a file."""
    if not rows:
        raise InputFileError(f"{source}: the sheet is empty")
    as_text = [["" if v is None else _text(v) for v in row] for row in rows]
    first = as_text[0]
    if header is None:
        header = not any(isinstance(v, int | float) for v in rows[0]) and not any(
            classify_cell(v).status.value in ("valid", "normalised") for v in first
        )
    columns = tuple(first) if header else tuple(f"column_{i + 1}" for i in range(len(first)))
    data = rows[1:] if header else rows
    data_text = as_text[1:] if header else as_text
    if column is None:
        index, by = find_cas_column(columns, data_text[:200], header)
    else:
        try:
            index, by = resolve_column(column, columns), "option"
        except InputFileError as error:
            raise InputFileError(f"{source}: {error}") from None
    dialect = Dialect("xlsx", ",", 0, header, columns, index, by)
    report = Report(
        path=str(source),
        settings={
            **settings,
            "header": header,
            "column": columns[index],
            "column_index": index,
            "column_by": by,
            "engine": "openpyxl",
        },
    )
    tally = Tally(int(header) + 1, max_problems, max_duplicates)
    verdicts = [_cell_verdict(row[index] if index < len(row) else None) for row in data]
    values = pl.Series(
        [row[index] if index < len(row) else "" for row in data_text], dtype=pl.String
    )
    with open_output(output) as handle:
        if handle is not None:
            writer = Writer(handle, output_format, dialect.columns, ",")
            writer.rows(data_text, verdicts)
    tally.add(values, cells_frame(verdicts))
    tally.fill(report)
    report.output = output_name(output)
    return report


def _text(value: object) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell_verdict(value: object) -> Cell:
    """A worksheet cell: Excel's numbers and dates are reported as such."""
    if isinstance(value, bool):
        return Cell(None, CellStatus.INVALID_FORMAT, f"a true/false value ({value})")
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return Cell(
            None,
            CellStatus.DATE,
            f"Excel stored a date or time ({_text(value)}); the CAS number is lost",
        )
    if isinstance(value, float):
        if not value.is_integer():
            return Cell(None, CellStatus.INVALID_FORMAT, f"Excel stored the decimal number {value}")
        value = int(value)
    if isinstance(value, int):
        return classify_cell(value)
    return classify_cell(None if value is None else str(value))
