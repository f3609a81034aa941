"""Reading a worksheet of an Excel workbook (openpyxl, read-only mode) as rows of typed values.

Cells keep the type Excel stored (str, int, float, datetime), so that CAS numbers Excel turned
into numbers or dates can be reported as such.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from registry.errors import InputFileError

__all__ = ["read_workbook"]


def read_workbook(
    path: Path, sheet: str | None = None
) -> tuple[list[list[object]], dict[str, Any]]:
    """The rows of ``sheet`` (default: the first) and the settings to report."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({error})") from error
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise InputFileError(
                f"{path}: no sheet named {sheet!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        rows: list[list[object]] = [list(row) for row in worksheet.iter_rows(values_only=True)]
        name = worksheet.title
    finally:
        workbook.close()
    # Trailing empty rows are formatting, not data.
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    return rows, {"encoding": "xlsx", "sheet": name}
