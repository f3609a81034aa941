"""One classifier: ``validate_many`` and ``registry validate`` give the same status, canonical
form and reason for every cell of the test data (real lists, ECHA's workbook, typed cells)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from registry.bulk import validate_csv, validate_many

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FILES = [
    DATA / "ubiq_OEHHA_P65.csv",
    DATA / "ubiq_CompTox_P65.csv",
    DATA / "ubiq_NTP_ROC15.csv",
    DATA / "EU_SVHC_authorisationlist.xlsx",
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_library_and_command_agree_on_every_cell(path: Path) -> None:
    buffer = io.StringIO()
    report = validate_csv(path, output=buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    column = report.settings["column"]
    results = validate_many([row[column] for row in rows])
    assert [(r.status.value, r.canonical or "", r.reason) for r in results] == [
        (row["cas_status"], row["cas_canonical"], row["cas_reason"]) for row in rows
    ]
    # The command's own output file says the same.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry",
            "validate",
            str(path),
            "-o",
            "-",
            "--fail-on",
            "never",
            "--no-cross-check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [r["cas_status"] for r in csv.DictReader(io.StringIO(out))] == [
        r.status.value for r in results
    ]


def test_typed_workbook_cells_agree(tmp_path: Path) -> None:
    """Numbers a spreadsheet kept: the same verdict from a workbook and from validate_many."""
    values: list[object] = [7732185, "7732-18-5", "n/a", "68-22-4/57-63-6", "50-78-3", None]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CAS"])
    for value in values:
        sheet.append([value])
    sheet.append([dt.datetime(2004, 1, 5)])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    buffer = io.StringIO()
    validate_csv(path, output=buffer)
    statuses = [r["cas_status"] for r in csv.DictReader(io.StringIO(buffer.getvalue()))]
    expected = [r.status.value for r in validate_many(values)]
    assert statuses == [*expected, "date"]
    assert expected == ["number", "valid", "placeholder", "multiple", "invalid-checksum", "empty"]
