"""Workbooks as regulators publish them: the whole used range read whatever the dimension
record says, preamble and header detected, the sheet with the CAS column chosen, trailing empty
columns dropped, old ``.xls`` refused with how to convert, no openpyxl warnings on stderr."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font, PatternFill

from registry.bulk import validate_csv
from registry.errors import InputFileError

ROOT = Path(__file__).resolve().parent.parent
ECHA = Path(__file__).resolve().parent / "data" / "EU_SVHC_authorisationlist.xlsx"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # Cross-checks (tests/test_crosscheck.py) aside: the plain verdicts, no offline index.
        [sys.executable, "-m", "registry", "validate", "--no-cross-check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _wrong_dimension(path: Path, ref: str = "A1") -> None:
    """Rewrite every sheet's ``<dimension ref=...>`` record as ECHA's exports write it."""
    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert count == 1
            target.writestr(item, data)
    patched.replace(path)


_SUBSTANCES = [
    ["Water", "231-791-2", "7732-18-5"],
    ["Aspirin", "200-064-1", "50-78-3"],
    ["Benzene", "200-753-7", "71-43-2"],
    ["Nothing listed", "-", "-"],
]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("books")
    made: dict[str, Path] = {}

    # ECHA's shape: title, note, empty row, header; a wrong dimension record.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "results"
    sheet.append(["Candidate List of SVHC for authorisation"])
    sheet.append(["Note: group entries are split in different rows."])
    sheet.append([""])
    sheet.append(["Substance name", "EC No.", "CAS No."])
    for row in _SUBSTANCES:
        sheet.append(row)
    made["echa_shape.xlsx"] = base / "echa_shape.xlsx"
    book.save(made["echa_shape.xlsx"])
    _wrong_dimension(made["echa_shape.xlsx"])

    # HSE's shape: an introduction sheet first; on "Candidate List" a merged title, a link row,
    # the header, and styled but empty cells out to column AP (42 columns).
    book = openpyxl.Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Introduction"
    intro.append(["About this list"])
    intro.append(["Published by the HSE", "see the next sheet"])
    sheet = book.create_sheet("Candidate List")
    sheet["A1"] = "UK REACH Candidate List"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "https://www.hse.gov.uk/reach/candidate-list.htm"
    sheet.append(["Substance", "EC number", "CAS number", "Date of inclusion"])
    for name, ec, number in _SUBSTANCES:
        sheet.append([name, ec, number, dt.datetime(2021, 1, 1)])
    fill = PatternFill("solid", start_color="FFFF00")
    for column in range(5, 43):
        for row in range(3, 8):
            sheet.cell(row=row, column=column).fill = fill
    made["hse_shape.xlsx"] = base / "hse_shape.xlsx"
    book.save(made["hse_shape.xlsx"])

    # Numbers Excel kept as numbers and as dates, under a bold header.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "CAS"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Water", 7732185])
    sheet.append(["Aspirin", 50782.0])
    sheet.append(["A date", dt.datetime(2004, 1, 5)])
    sheet.append(["Text", "71-43-2"])
    made["typed.xlsx"] = base / "typed.xlsx"
    book.save(made["typed.xlsx"])

    # No CAS column on any sheet.
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Names"
    first.append(["Name", "Use"])
    first.append(["Water", "solvent"])
    book.create_sheet("Notes").append(["nothing here"])
    made["no_cas.xlsx"] = base / "no_cas.xlsx"
    book.save(made["no_cas.xlsx"])

    # An old Excel workbook: an OLE2 compound file.
    made["old.xls"] = base / "old.xls"
    made["old.xls"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return made


def _csv_rows(report_output: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(report_output)))


def test_echa_export_reads_without_options() -> None:
    buffer = io.StringIO()
    report = validate_csv(ECHA, output=buffer)
    assert report.settings["sheet"] == "results"
    assert report.settings["skip_lines"] == 3
    assert report.settings["column"] == "CAS No."
    assert report.rows == 141
    assert report.counts == {"valid": 113, "placeholder": 27, "multiple": 1}
    rows = _csv_rows(buffer.getvalue())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ECHA's file has no default style
        source = openpyxl.load_workbook(ECHA, read_only=False)["results"]
    expected = [
        ["" if v is None else str(v) for v in row]
        for row in source.iter_rows(min_row=5, values_only=True)
    ]
    assert [list(r.values())[:16] for r in rows] == expected
    assert rows[0]["Substance name"] == "5-tert-butyl-2,4,6-trinitro-m-xylene (Musk xylene)"
    assert (rows[0]["CAS No."], rows[0]["cas_status"]) == ("81-15-2", "valid")


def test_echa_export_by_column_name_and_index() -> None:
    assert validate_csv(ECHA, column="CAS No.").rows == 141
    report = validate_csv(ECHA, column=3)
    assert (report.rows, report.settings["column"]) == (141, "CAS No.")


def test_cli_on_echa_export_prints_no_warnings() -> None:
    result = _cli(str(ECHA), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (summary,) = json.loads(result.stdout)
    assert summary["rows"] == 141
    assert summary["settings"]["sheets"] == ["results", "criteria"]


def test_wrong_dimension_record_and_preamble(books: dict[str, Path]) -> None:
    with zipfile.ZipFile(books["echa_shape.xlsx"]) as archive:
        assert re.search(rb'<dimension ref="A1"\s*/>', archive.read("xl/worksheets/sheet1.xml"))
    buffer = io.StringIO()
    report = validate_csv(books["echa_shape.xlsx"], output=buffer)
    assert (report.settings["skip_lines"], report.settings["column"]) == (3, "CAS No.")
    rows = _csv_rows(buffer.getvalue())
    assert [[r["Substance name"], r["EC No."], r["CAS No."]] for r in rows] == _SUBSTANCES
    assert [r["cas_status"] for r in rows] == ["valid", "invalid-checksum", "valid", "placeholder"]
    assert report.problems[0].row == 6  # the row number Excel shows for Aspirin


def test_sheet_with_the_cas_column_is_chosen_and_said(books: dict[str, Path]) -> None:
    buffer = io.StringIO()
    report = validate_csv(books["hse_shape.xlsx"], output=buffer)
    assert report.settings["sheet"] == "Candidate List"
    assert report.settings["sheet_by"] == "content"
    assert report.settings["column"] == "CAS number"
    assert report.settings["skip_lines"] == 2
    header = buffer.getvalue().splitlines()[0]
    # Four columns of data and the four added ones; the styled empty columns are not written.
    assert header == (
        "Substance,EC number,CAS number,Date of inclusion,"
        "cas_canonical,cas_status,cas_reason,cas_suggestion"
    )
    rows = _csv_rows(buffer.getvalue())
    assert [r["Substance"] for r in rows] == [s[0] for s in _SUBSTANCES]
    assert {r["Date of inclusion"] for r in rows} == {"2021-01-01"}
    table = _cli(str(books["hse_shape.xlsx"]), "--fail-on", "never")
    assert table.returncode == 0
    assert re.search(r"sheet\s+Candidate List", table.stdout)
    assert re.search(r"sheet_by\s+content", table.stdout)


def test_skip_lines_and_header_are_honoured(books: dict[str, Path]) -> None:
    report = validate_csv(books["echa_shape.xlsx"], skip_lines=4, header=False)
    assert report.settings["column"] == "column_3"
    assert report.rows == 4
    assert report.counts == {"valid": 2, "invalid-checksum": 1, "placeholder": 1}
    report = validate_csv(books["echa_shape.xlsx"], skip_lines=3, header=True)
    assert (report.rows, report.settings["column"]) == (4, "CAS No.")
    with pytest.raises(InputFileError, match="no rows below the 9 rows of preamble"):
        validate_csv(books["echa_shape.xlsx"], skip_lines=9)


def test_no_cas_column_names_every_sheet(books: dict[str, Path]) -> None:
    with pytest.raises(InputFileError) as caught:
        validate_csv(books["no_cas.xlsx"])
    message = str(caught.value)
    assert message.startswith(
        f"{books['no_cas.xlsx']}: no sheet has a CAS column (sheets: Names, Notes)"
    )
    assert message.endswith("choose one with sheet=NAME")
    result = _cli(str(books["no_cas.xlsx"]))
    assert result.returncode == 2
    assert "(sheets: Names, Notes)" in result.stderr
    assert "choose one with --sheet NAME" in result.stderr
    with pytest.raises(InputFileError, match="sheet 'Names': no column named 'CAS'"):
        validate_csv(books["no_cas.xlsx"], sheet="Names", column="CAS")


def test_numbers_and_dates_as_excel_stored_them(books: dict[str, Path]) -> None:
    buffer = io.StringIO()
    report = validate_csv(books["typed.xlsx"], output=buffer)
    rows = _csv_rows(buffer.getvalue())
    assert [(r["CAS"], r["cas_status"], r["cas_canonical"]) for r in rows] == [
        ("7732185", "number", "7732-18-5"),
        ("50782", "number", "50-78-2"),
        ("2004-01-05", "date", ""),
        ("71-43-2", "valid", "71-43-2"),
    ]
    assert report.invalid == 1


def test_old_excel_refused_with_how_to_convert(books: dict[str, Path]) -> None:
    with pytest.raises(InputFileError) as caught:
        validate_csv(books["old.xls"])
    assert "old Excel workbook (.xls)" in str(caught.value)
    assert "soffice --headless --convert-to xlsx old.xls" in str(caught.value)
    result = _cli(str(books["old.xls"]))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {books['old.xls']}: an old Excel workbook (.xls)")
    assert result.stderr.count("\n") == 1


def test_workbook_round_trip_keeps_types(books: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "typed.validated.xlsx"
    validate_csv(books["typed.xlsx"], output=out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (
        "Name",
        "CAS",
        "cas_canonical",
        "cas_status",
        "cas_reason",
        "cas_suggestion",
    )
    assert values[1][:4] == ("Water", 7732185, "7732-18-5", "number")
    assert values[3][1] == dt.datetime(2004, 1, 5)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert sheet["F1"].font.b


def test_merged_title_cells_copy(books: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    shutil.copy(books["hse_shape.xlsx"], copy)
    _wrong_dimension(copy)  # both faults at once
    assert validate_csv(copy).rows == 4
