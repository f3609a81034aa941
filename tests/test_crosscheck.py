"""Cross-checks against the offline index: a valid number on the wrong substance is a
``mismatch`` naming the substance and the source; a number or name no source knows stays valid
and is counted as not cross-checked; a failed checksum gets the suggestion the name confirms."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.config import Settings
from registry.service.crosscheck import IndexCrossCheck, validate_file
from registry.service.near_numbers import close as _close
from registry.sources.names import NameIndex, fold

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
NAMES = DATA / "crosscheck_names.csv"
ECHA = DATA / "EU_SVHC_authorisationlist.xlsx"


def _rows(
    settings: Settings, path: Path = NAMES, **options: object
) -> tuple[list[dict[str, str]], object]:
    buffer = io.StringIO()
    report = validate_file(path, settings=settings, output=buffer, output_format="csv", **options)
    delimiter = ";" if path.suffix == ".csv" and path == NAMES else ","
    return list(csv.DictReader(io.StringIO(buffer.getvalue()), delimiter=delimiter)), report


def test_name_index_lookups(settings: Settings) -> None:
    index = NameIndex(settings)
    assert "108-95-2" in index.cas_for_name("PHENOL")
    assert index.cas_for_name("acetyl-salicylic acid") == index.cas_for_name("Acetylsalicylic Acid")
    assert "50-78-2" in index.cas_for_name("aspirin")
    assert index.names_for_cas("58-08-2") == ["caffeine"]
    assert index.cas_for_name("no such substance at all") == []
    assert fold("1,2-Dichloro\u2013ethane") == "12dichloroethane"


def test_mismatch_unknown_and_confirmed_suggestions(settings: Settings) -> None:
    rows, report = _rows(settings)
    verdicts = {
        r["Chemical name"]: (r["cas_status"], r["cas_reason"], r["cas_suggestion"]) for r in rows
    }
    assert verdicts["Caffeine"] == (
        "mismatch",
        "50-78-2 is aspirin in the offline index, not Caffeine (Caffeine is 58-08-2)",
        "58-08-2",
    )
    assert verdicts["Phenol"] == (
        "invalid-checksum",
        "check digit is 2, expected 0; Phenol is 108-95-2 in the offline index",
        "108-95-2",
    )
    assert verdicts["Vinyl chloride"][0] == "invalid-length"
    assert verdicts["Vinyl chloride"][2] == "75-01-4"
    # The name confirms benzene: a formula that is no salt or ion form of benzene's is said in
    # a note (the formula column may be the wrong one), not a mismatch.
    assert verdicts["Benzene"] == (
        "valid",
        "formula C6H12 differs from C6H6, benzene's in the offline index",
        "",
    )
    for agreeing in (
        "Aspirin",
        "Acetylsalicylic acid",
        "Water",
        "ETHANOL",
        "Unobtainium",
        "compound 17",
    ):
        assert verdicts[agreeing][0] == "valid", agreeing
    assert [r["Note"] for r in rows][-1] == "no name"  # every row out, in order
    assert len(rows) == 11
    assert report.cross_check == {  # type: ignore[attr-defined]
        # The test's registry database does not exist, and checking does not create it.
        "source": "offline index (no registry database)",
        "columns": {"name": "Chemical name", "formula": "Molecular formula"},
        # Aspirin, its synonym, benzene, ethanol; water (not in the index), the unknown number, the
        # unknown name and the row without one are not cross-checked.
        "confirmed": 4,
        "mismatch": 1,
        "not cross-checked": 4,
        "suggestion confirmed": 2,
        "salt or ion form": 0,
        "formula differs": 1,
    }
    assert report.counts["mismatch"] == 1  # type: ignore[attr-defined]
    assert report.invalid == 3  # type: ignore[attr-defined]


def test_no_cross_check_keeps_the_plain_verdicts(settings: Settings) -> None:
    rows, report = _rows(settings, cross_check=False)
    assert report.cross_check == {}  # type: ignore[attr-defined]
    assert [r["cas_status"] for r in rows][:3] == ["valid", "invalid-checksum", "invalid-length"]
    assert rows[1]["cas_suggestion"] == "180-95-0"  # the check digit corrected, nothing more
    assert rows[2]["cas_suggestion"] == ""


def test_files_without_a_name_column_are_not_cross_checked(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("CAS\n50-78-2\n180-95-2\n", encoding="utf-8")
    rows, report = _rows(settings, path)
    assert report.cross_check == {}  # type: ignore[attr-defined]
    assert rows[1]["cas_suggestion"] == "180-95-0"
    # Asked for: numbers alone, and a suggestion a source knows comes first.
    rows, report = _rows(settings, path, cross_check=True)
    assert report.cross_check["columns"] == {}  # type: ignore[attr-defined]
    assert rows[1]["cas_suggestion"] == "108-95-2"


def test_workbook_is_cross_checked_by_its_name_column(settings: Settings) -> None:
    buffer = io.StringIO()
    report = validate_file(ECHA, settings=settings, output=buffer)
    assert report.cross_check["columns"] == {"name": "Substance name"}
    assert report.cross_check["mismatch"] == 0
    assert report.cross_check["confirmed"] > 0
    assert report.rows == 141


def test_cli_cross_check_summary_and_flag(settings: Settings) -> None:
    env = {
        **os.environ,
        "REGISTRY_DATA_DIR": str(settings.data_dir),
        "REGISTRY_DB": settings.db_url,
    }
    run = subprocess.run(
        [sys.executable, "-m", "registry", "validate", str(NAMES), "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    (summary,) = json.loads(run.stdout)
    assert summary["cross_check"]["mismatch"] == 1
    assert summary["counts"]["mismatch"] == 1
    table = subprocess.run(
        [sys.executable, "-m", "registry", "validate", str(NAMES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    flat = " ".join(table.stdout.split())  # the table wraps long values
    assert (
        "offline index (no registry database): name (Chemical name), formula (Molecular "
        "formula)" in flat
    )
    off = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry",
            "validate",
            str(NAMES),
            "--no-cross-check",
            "-f",
            "json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(off.stdout)[0]["cross_check"] == {}


@pytest.mark.parametrize(
    ("value", "number", "close"),
    [
        ("180-95-2", "108-95-2", True),
        ("75-01-04", "75-01-4", True),
        ("50-78-3", "50-78-2", True),
        ("50-78-3", "58-08-2", False),
        ("000-00-0", "50-00-0", False),
    ],
)
def test_one_slip(value: str, number: str, close: bool) -> None:
    assert _close(value, number) is close


def test_checker_keeps_rows_and_columns(settings: Settings) -> None:
    import polars as pl

    from registry.bulk import classify_cells

    values = pl.Series(["50-78-2", "180-95-2", "", "n/a"])
    names = pl.Series(["Caffeine", "Phenol", None, "Water"])
    cells = classify_cells(values)
    checker = IndexCrossCheck(NameIndex(settings))
    checked, counts = checker.check(cells, values, checker.prepare({"name": names}))
    # The verdict columns, and the rows whose suggestion the name confirms (for --fix).
    assert checked.columns == [*cells.columns, "confirmed"]
    assert checked.get_column("confirmed").to_list() == [False, True, False, False]
    assert checked.get_column("status").to_list() == [
        "mismatch",
        "invalid-checksum",
        "empty",
        "placeholder",
    ]
    assert counts["mismatch"] == 1
    assert counts["suggestion confirmed"] == 1
