"""Many CAS numbers at once: vectorised checks over columns, and whole CSV and Excel files."""

from __future__ import annotations

from registry.bulk.columns import (
    CasResults,
    Cell,
    CellStatus,
    classify_cell,
    classify_cells,
    validate_many,
)
from registry.bulk.pipeline import ADDED_COLUMNS, Duplicate, Problem, Report, validate_csv

__all__ = [
    "ADDED_COLUMNS",
    "CasResults",
    "Cell",
    "CellStatus",
    "Duplicate",
    "Problem",
    "Report",
    "classify_cell",
    "classify_cells",
    "validate_csv",
    "validate_many",
]
