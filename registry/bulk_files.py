"""Old import path of :func:`registry.bulk.validate_csv`, kept for scripts that use it."""

from __future__ import annotations

from registry.bulk import ADDED_COLUMNS, Duplicate, Problem, Report, validate_csv

__all__ = ["ADDED_COLUMNS", "Duplicate", "Problem", "Report", "validate_csv"]
