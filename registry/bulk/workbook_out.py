"""Writing the annotated rows as an Excel workbook (openpyxl, write-only mode).

One sheet: the input's columns, then the added ones, the header bold and frozen, every input
row in order. Values keep their type where the input had one (a workbook's numbers and dates);
text stays text, even text that starts with ``=`` (written as a string, never as a formula).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from registry.bulk.cells import Cell
from registry.errors import InputFileError

__all__ = ["MAX_SHEET_ROWS", "WorkbookWriter"]

MAX_SHEET_ROWS = 1_048_576
"""The most rows an Excel worksheet holds, the header included."""
# Characters XML 1.0 cannot hold (openpyxl refuses them): a workbook cannot keep them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class WorkbookWriter:
    """Writes annotated rows into a new workbook saved at ``path`` by :meth:`close`."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        added: Sequence[str],
        *,
        title: str = "validated",
        name: str | None = None,
    ) -> None:
        import openpyxl
        from openpyxl.styles import Font, PatternFill

        self.path = path
        self.name = name or str(path)
        self.columns = list(columns)
        self.fix = len(added) > 4  # cas_fixed after the four verdict columns
        self.written = 0
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=title[:31] or "validated")
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        fill = PatternFill("solid", start_color="DDEBF7")
        header = []
        for text in (*self.columns, *added):
            cell = self._cell(text)
            cell.font = bold
            cell.fill = fill
            header.append(cell)
        self._sheet.append(header)

    def _cell(self, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, value=None)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text that starts with "=" stays text
        return cell

    def _append(self, values: Sequence[object]) -> None:
        if self.written + 2 > MAX_SHEET_ROWS:
            raise InputFileError(
                f"{self.name}: more than {MAX_SHEET_ROWS - 1:,} rows, the most an Excel "
                "worksheet holds: write .csv, .tsv or .jsonl instead"
            )
        out: list[object] = []
        for value in values:
            if isinstance(value, str):
                if _ILLEGAL.search(value):
                    raise InputFileError(
                        f"{self.name}: row {self.written + 2} holds a control character "
                        f"({value!r}) that a workbook cannot store: write .csv or .jsonl instead"
                    )
                out.append(self._cell(value) if value.startswith("=") else value)
            else:
                out.append(value)
        self._sheet.append(out)
        self.written += 1

    def rows(self, rows: Sequence[Sequence[object]], cells: Sequence[Cell]) -> None:
        """Rows of values (text, or a workbook's typed values) and their verdicts."""
        width = len(self.columns)
        for row, cell in zip(rows, cells, strict=True):
            padded = [*row[:width], *([None] * (width - len(row)))]
            added = [cell.canonical, cell.status.value, cell.reason or None, cell.suggestion]
            if self.fix:
                added.append(cell.fixed)
            # Fields beyond the header go after the added columns, so nothing is lost.
            self._append([*padded, *added, *row[width:]])

    def frame(self, chunk: pl.DataFrame, cells: pl.DataFrame, unquoted: bool) -> None:
        """A polars chunk and its verdicts (``unquoted`` is for the text writers only)."""
        original = chunk.select(chunk.columns[: len(self.columns)])
        for row, added in zip(original.iter_rows(), cells.iter_rows(), strict=True):
            self._append([*row, *added])

    def close(self) -> None:
        self._book.save(self.path)
