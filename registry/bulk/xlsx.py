"""Validating a worksheet of an Excel workbook (openpyxl, read-only mode).

The whole used range is read, whatever the file's ``<dimension>`` record says (exports such as
ECHA's write ``A1`` there, which would make the sheet one cell). Preamble rows and the header
are detected as for CSV; without ``sheet=`` the first sheet that holds a CAS column is taken.
Cells keep the type Excel stored (str, int, float, datetime), so that CAS numbers Excel turned
into numbers or dates are reported as such, and written back as such into a workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl

from registry.bulk.cells import Cell, CellStatus, cells_frame, classify_cell
from registry.bulk.context import (
    CrossCheck,
    as_cells,
    cross_checked,
    fill_cross_check,
    plan_cross_check,
)
from registry.bulk.fixes import settled
from registry.bulk.report import Report, Tally
from registry.bulk.sniff import find_cas_column, preamble_length, resolve_column
from registry.bulk.writing import OutputKind, open_writer, output_name
from registry.errors import InputFileError

__all__ = ["OLD_EXCEL_MAGIC", "old_excel_error", "validate_workbook"]

OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an old Excel (``.xls``, OLE2) workbook."""
_SAMPLE_ROWS = 200


def old_excel_error(source: Path) -> InputFileError:
    """The error for an old ``.xls`` workbook, naming how to convert it."""
    return InputFileError(
        f"{source}: an old Excel workbook (.xls), which cannot be read: save it as .xlsx "
        "(Excel: File > Save As > Excel Workbook) or convert it with "
        f"'soffice --headless --convert-to xlsx {source.name}'"
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    skip: int
    header: bool
    columns: tuple[str, ...]
    index: int
    by: str
    width: int


@contextlib.contextmanager
def _opened(path: Path, name: Path) -> Iterator[Any]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # openpyxl warns about styles and extensions it ignores; they change no value read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
            raise InputFileError(f"{name}: not a readable .xlsx workbook ({error})") from error
        try:
            yield workbook
        finally:
            workbook.close()


def _sheet_rows(worksheet: Any) -> list[list[object]]:
    """Every row of the used range, whatever the sheet's dimension record says; trailing
    empty rows (formatting, not data) dropped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        worksheet.reset_dimensions()  # the record may be wrong: read every cell there is
        rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    while rows and _width(rows[-1]) == 0:
        rows.pop()
    return rows


def _width(row: list[object]) -> int:
    """The row's width up to its last cell that holds something."""
    for index in range(len(row) - 1, -1, -1):
        if row[index] is not None and row[index] != "":
            return index + 1
    return 0


def _layout(
    rows: list[list[object]],
    skip_lines: int | None,
    header: bool | None,
    column: str | int | None,
) -> _Layout:
    """Preamble, header, width and CAS column of a sheet's rows."""
    if not rows:
        raise InputFileError("the sheet is empty")
    widths = [_width(row) for row in rows]
    skip = preamble_length(widths[:_SAMPLE_ROWS]) if skip_lines is None else skip_lines
    if skip >= len(rows):
        raise InputFileError(f"no rows below the {skip} rows of preamble")
    first = rows[skip]
    if header is None:
        header = not any(
            isinstance(v, int | float | dt.date | dt.time) and not isinstance(v, bool)
            for v in first
        ) and not any(
            classify_cell(_text(v)).status in (CellStatus.VALID, CellStatus.NORMALISED)
            for v in first
            if v is not None
        )
    # Trailing columns empty in the header and every row are not data.
    width = max(1, *widths[skip:])
    if header:
        names = [_text(v) if v is not None else "" for v in first[:width]]
        columns = tuple(names + [""] * (width - len(names)))
    else:
        columns = tuple(f"column_{i + 1}" for i in range(width))
    start = skip + int(header)
    sample = [_texts(row, width) for row in rows[start : start + _SAMPLE_ROWS]]
    if column is None:
        index, by = find_cas_column(columns, sample, header)
    else:
        index, by = resolve_column(column, columns), "option"
    return _Layout(skip, header, columns, index, by, width)


def _texts(row: list[object], width: int) -> list[str]:
    return [_text(v) if v is not None else "" for v in row[:width]] + [""] * (width - len(row))


def _chosen_sheet(
    workbook: Any,
    source: Path,
    sheet: str | None,
    skip_lines: int | None,
    header: bool | None,
    column: str | int | None,
) -> tuple[str, str, list[list[object]], _Layout]:
    """The sheet to validate: ``sheet``, or the first whose layout has a CAS column; with
    how it was chosen, its rows and its layout."""
    names: list[str] = list(workbook.sheetnames)
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(f"{source}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
        rows = _sheet_rows(workbook[sheet])
        try:
            return sheet, "option", rows, _layout(rows, skip_lines, header, column)
        except InputFileError as error:
            raise InputFileError(f"{source}: sheet {sheet!r}: {error}") from None
    errors: list[str] = []
    for position, title in enumerate(names):
        rows = _sheet_rows(workbook[title])
        try:
            layout = _layout(rows, skip_lines, header, column)
        except InputFileError as error:
            errors.append(f"sheet {title!r}: {error}")
            continue
        return title, "first" if position == 0 else "content", rows, layout
    if len(names) == 1:
        raise InputFileError(f"{source}: {errors[0]}")
    raise InputFileError(
        f"{source}: no sheet has a CAS column (sheets: {', '.join(names)}); "
        f"{errors[0]}; choose one with sheet=NAME"
    )


def validate_workbook(
    source: Path,
    readable: Path,
    *,
    sheet: str | None,
    column: str | int | None,
    skip_lines: int | None,
    header: bool | None,
    output: str | os.PathLike[str] | IO[str] | None,
    kind: OutputKind,
    max_problems: int | None,
    max_duplicates: int,
    cross_check: CrossCheck | None = None,
    fix: bool = False,
) -> Report:
    """Validate a worksheet of the workbook ``readable`` as :func:`registry.bulk.validate_csv`
    validates a file; messages and the report name ``source``."""
    with _opened(readable, source) as workbook:
        sheets = list(workbook.sheetnames)
        title, sheet_by, rows, layout = _chosen_sheet(
            workbook, source, sheet, skip_lines, header, column
        )
    index, width = layout.index, layout.width
    data = rows[layout.skip + int(layout.header) :]
    report = Report(
        path=str(source),
        settings={
            "encoding": "xlsx",
            "sheet": title,
            "sheet_by": sheet_by,
            "sheets": sheets,
            "skip_lines": layout.skip,
            "header": layout.header,
            "column": layout.columns[index],
            "column_index": index,
            "column_by": layout.by,
            "engine": "openpyxl",
        },
    )
    tally = Tally(layout.skip + int(layout.header) + 1, max_problems, max_duplicates, fix=fix)
    verdicts = [_cell_verdict(row[index] if index < len(row) else None) for row in data]
    texts = [_texts(row, width) for row in data]
    values = pl.Series([row[index] for row in texts], dtype=pl.String)
    frame = cells_frame(verdicts)
    checker, context = plan_cross_check(cross_check, layout.columns, index)
    if checker is not None:

        def context_column(position: int) -> pl.Series:
            return pl.Series([row[position] for row in texts], dtype=pl.String)

        frame = cross_checked(checker, context, tally, frame, values, context_column)
    if checker is not None or fix:
        frame = settled(frame, fix)
        verdicts = as_cells(frame)
    with open_writer(output, kind, layout.columns, ",", title=title, fix=fix) as writer:
        if writer is not None:
            if kind == "xlsx":
                writer.rows([row[:width] + [None] * (width - len(row)) for row in data], verdicts)
            else:
                writer.rows(texts, verdicts)
    tally.add(values, frame)
    tally.fill(report)
    fill_cross_check(report, tally, checker, context, layout.columns)
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
