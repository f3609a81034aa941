"""Rendering rows for the terminal (tabulate) and for scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def render(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, columns: Sequence[str]) -> str:
    """Rows as a table, a JSON array (full values) or CSV (lists joined by '; ')."""
    if fmt is OutputFormat.json:
        return json.dumps([dict(row) for row in rows], indent=2, ensure_ascii=False)
    if fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: _cell(row.get(k)) for k in columns} for row in rows)
        return buffer.getvalue().rstrip("\n")
    from tabulate import tabulate

    return tabulate(
        [[_cell(row.get(k)) for k in columns] for row in rows],
        headers=list(columns),
        disable_numparse=True,
    )
