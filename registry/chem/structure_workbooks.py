"""An Excel workbook (``.xlsx``) read as a table of texts, for structure files.

The sheet is the one named, else the first whose header names a structure column; the header is
the first of its first rows that does (title rows above it are skipped). Cells become text as a
person reads them: a whole number stored as a float is written without ``.0``, a date as its
ISO date. A CAS number that Excel turned into a date is therefore read as that date, and the
import reports the row instead of guessing the number.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry.errors import InputFileError

__all__ = ["cell_text", "workbook_rows"]

_HEADER_ROWS = 20  # rows searched for the header (a title and notes may stand above it)


def cell_text(value: object) -> str:
    """A worksheet value as text.

    >>> cell_text(2244.0), cell_text(0.5), cell_text(dt.datetime(2001, 5, 8)), cell_text(None)
    ('2244', '0.5', '2001-05-08', '')
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(worksheet: Any) -> list[list[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        worksheet.reset_dimensions()  # the dimension record may be wrong: read every cell
        return [[cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]


def _header_row(rows: list[list[str]], wanted: set[str]) -> int | None:
    for index, row in enumerate(rows[:_HEADER_ROWS]):
        if wanted & {cell.strip().lower() for cell in row}:
            return index
    return None


def workbook_rows(
    path: Path, headers: Sequence[str], *, sheet: str | None = None
) -> tuple[list[list[str]], int]:
    """The rows of one sheet of ``path`` as texts, from its header row on, and that row's
    number (1-based). The header is the first row holding one of ``headers`` (any case).

    Raises:
        InputFileError: not a readable workbook, no such sheet, or no sheet with such a header.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    wanted = {h.strip().lower() for h in headers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
            raise InputFileError(f"{path.name}: not a readable .xlsx workbook ({error})") from error
    try:
        names: list[str] = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise InputFileError(
                f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(names)})"
            )
        for title in [sheet] if sheet is not None else names:
            rows = _rows(workbook[title])
            start = _header_row(rows, wanted)
            if start is not None:
                return rows[start:], start + 1
    finally:
        workbook.close()
    raise InputFileError(
        f"{path.name}: no sheet has a structure column in its first {_HEADER_ROWS} rows "
        f"(looked for {', '.join(headers)}); name it with column=NAME"
    )
