"""Many CAS numbers at once: vectorised checks over columns, and whole CSV and Excel files.

The modules, each one job, in the order data flows through them:

- :mod:`~registry.bulk.scan`: the first pass over a column (the compiled kernel ``_scan`` or
  its polars twin): which values are CAS numbers in canonical form, and their check digits.
- :mod:`~registry.bulk.normalise`: the full normalisation, as polars queries, of the rest.
- :mod:`~registry.bulk.columns`: :func:`validate_many` and :class:`CasResults`.
- :mod:`~registry.bulk.cells`: the verdict on a file's cells, :func:`classify_cell` and
  :func:`classify_cells`.
- :mod:`~registry.bulk.sniff`: encoding, delimiter, preamble, header and CAS column of a file.
- :mod:`~registry.bulk.reading`, :mod:`~registry.bulk.writing`, :mod:`~registry.bulk.report`:
  chunks in, annotated rows out, the counts of a :class:`Report`.
- :mod:`~registry.bulk.pipeline`: :func:`validate_csv`; :mod:`~registry.bulk.xlsx`: workbooks.
"""

from __future__ import annotations

from registry.bulk.cells import Cell, CellStatus, classify_cell, classify_cells
from registry.bulk.columns import CasResult, CasResults, validate_many
from registry.bulk.pipeline import validate_csv
from registry.bulk.report import Duplicate, Problem, Report
from registry.bulk.writing import ADDED_COLUMNS

__all__ = [
    "ADDED_COLUMNS",
    "CasResult",
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
