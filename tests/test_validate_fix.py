"""``--fix`` and the summary of ``registry validate``: a ``cas_fixed`` column only where the
correction is unambiguous, fixes and normalisations counted by kind, a number repeated in one
cell shown once, duplicates listed also with ``--output``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl

from registry.bulk.pipeline import validate_csv
from registry.config import Settings
from registry.service.crosscheck import validate_file

DATA = Path(__file__).resolve().parent / "data"
NAMES = DATA / "crosscheck_names.csv"

# Each shape, with what --fix writes (empty: left alone) and why.
SHAPES = [
    ("50-78-2", ""),  # valid: nothing to fix
    ("50782", "50-78-2"),  # stripped hyphens
    ("50\u201378\u20132", "50-78-2"),  # Unicode dashes
    ("CAS 50-78-2", "50-78-2"),  # prefix
    ("0050-78-2", "50-78-2"),  # leading zeros
    ("  50-78-2 ", "50-78-2"),  # spaces
    ("50-78-2; 50-78-2", "50-78-2"),  # one number repeated in its cell
    ("50-78-3", ""),  # failed checksum, no name to confirm a candidate: never a guess
    ("Aspirin (50-78-2)", ""),  # a number inside text: the text is the user's
    ("50-78-2; 64-17-5", ""),  # two different numbers
    ("n/a", ""),
    ("", ""),
]


def _csv(path: Path, values: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "CAS No."])
        writer.writerows([str(i), v] for i, v in enumerate(values))
    return path


def test_fix_column_only_where_unambiguous(tmp_path: Path) -> None:
    source = _csv(tmp_path / "in.csv", [v for v, _ in SHAPES])
    out = tmp_path / "out.csv"
    report = validate_csv(source, output=out, fix=True)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["CAS No."] for r in rows] == [v for v, _ in SHAPES]  # every row, in order
    assert [r["cas_fixed"] for r in rows] == [fixed for _, fixed in SHAPES]
    assert rows[6]["cas_canonical"] == "50-78-2"  # the repeated number once
    assert rows[6]["cas_reason"] == "2 numbers in one cell: 50-78-2 (valid) 2 times"
    assert report.fixed == 6
    assert report.fixes == {
        "stripped hyphens": 1,
        "dashes": 1,
        "prefix": 1,
        "leading zeros": 1,
        "spaces": 1,
        "repeated number": 1,
    }
    assert report.normalised == {
        "stripped hyphens": 1,
        "dashes": 1,
        "prefix": 1,
        "leading zeros": 1,
        "spaces": 1,
    }


def test_without_fix_no_column_and_no_fix_counts(tmp_path: Path) -> None:
    source = _csv(tmp_path / "in.csv", ["50782", "50-78-2"])
    buffer = io.StringIO()
    report = validate_csv(source, output=buffer, output_format="csv")
    assert buffer.getvalue().splitlines()[0] == (
        "id,CAS No.,cas_canonical,cas_status,cas_reason,cas_suggestion"
    )
    assert report.fixed is None
    assert report.fixes == {}
    assert report.normalised == {"stripped hyphens": 1}


def test_a_number_repeated_in_a_cell_is_one_duplicate_row(tmp_path: Path) -> None:
    source = _csv(tmp_path / "in.csv", ["64-17-5; 64-17-5", "64-17-5", "50-78-2"])
    report = validate_csv(source)
    assert [(d.canonical, d.count, d.rows) for d in report.duplicates] == [("64-17-5", 2, (2, 3))]


def test_fix_takes_the_suggestion_the_name_confirms(settings: Settings, tmp_path: Path) -> None:
    for kind in ("csv", "jsonl", "xlsx"):
        out = tmp_path / f"out.{kind}"
        report = validate_file(NAMES, settings=settings, output=out, fix=True)
        if kind == "csv":
            with out.open(encoding="utf-8", newline="") as handle:
                fixed = {
                    r["Chemical name"]: r["cas_fixed"]
                    for r in csv.DictReader(handle, delimiter=";")
                }
        elif kind == "jsonl":
            records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            fixed = {r["Chemical name"]: r["cas_fixed"] or "" for r in records}
        else:
            sheet = openpyxl.load_workbook(out).active
            assert sheet is not None
            rows = list(sheet.iter_rows(values_only=True))
            assert rows[0][-1] == "cas_fixed"
            fixed = {str(r[0] or ""): str(r[-1] or "") for r in rows[1:]}
        assert fixed == {
            "Caffeine": "",  # a mismatch: the name or the number may be the wrong one
            "Phenol": "108-95-2",  # 180-95-2: the one candidate phenol has
            "Vinyl chloride": "75-01-4",  # 75-01-04
            "Aspirin": "",
            "Acetylsalicylic acid": "",
            "Water": "",
            "Unobtainium": "",
            "compound 17": "",
            "Benzene": "",
            "ETHANOL": "",
            "": "",
        }, kind
        assert report.fixes == {"suggestion confirmed by name": 2}
        assert report.fixed == 2


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", "validate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {}), "COLUMNS": "100"},
        timeout=300,
    )


def test_cli_fix_summary_and_duplicates_with_output(tmp_path: Path) -> None:
    _csv(tmp_path / "in.csv", [v for v, _ in SHAPES] + ["64-17-5", "64-17-5"])
    run = _cli("in.csv", "--fix", "-o", "out.csv", "--no-cross-check", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # 50-78-3 is invalid
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert lines[0] == "in.csv: 14 rows, 1 invalid, 6 fixed -> out.csv"
    assert "Duplicate CAS numbers (2; the most frequent 2 with their first rows):" in lines
    assert any(line.split()[:2] == ["50-78-2", "9"] for line in lines)
    assert any(line.split() == ["64-17-5", "3", "11,", "14,", "15"] for line in lines)
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 14
    # --format json with --output: the summary as JSON, the rows as the name says.
    run = _cli(
        "in.csv", "--fix", "-o", "out.tsv", "--format", "json", "--no-cross-check", cwd=tmp_path
    )
    assert run.returncode == 1, run.stderr
    (summary,) = json.loads(run.stdout)
    assert summary["output"] == "out.tsv"
    assert summary["fixed"] == 6
    assert summary["fixes"]["repeated number"] == 1
    assert summary["normalised"]["prefix"] == 1
    assert [d["canonical"] for d in summary["duplicates"]] == ["50-78-2", "64-17-5"]
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t")[-1] == (
        "cas_fixed"
    )
    table = _cli("in.csv", "--fix", "--no-cross-check", cwd=tmp_path)
    items = dict(
        re.split(r"\s{2,}", line.strip(), maxsplit=1)
        for line in table.stdout.split("\n\n")[0].splitlines()[3:]
    )
    assert items["status normalised"] == "5"
    assert items["normalised: stripped hyphens"] == "1"
    assert items["normalised: leading zeros"] == "1"
    assert items["fixed (cas_fixed)"] == "6"
    assert items["fixed: repeated number"] == "1"


def test_summary_fits_a_100_column_terminal(tmp_path: Path) -> None:
    long_reasons = ["180-95-2", "x" * 300 + " 50-78-3", "Chromium 50-78-3 and more text " * 4]
    _csv(tmp_path / "in.csv", long_reasons)
    run = _cli("in.csv", "--no-cross-check", cwd=tmp_path)
    assert run.returncode == 1
    assert max(len(line) for line in run.stdout.splitlines()) <= 100, run.stdout
    # Cut in the table, whole in JSON.
    (summary,) = json.loads(
        _cli("in.csv", "--no-cross-check", "--format", "json", cwd=tmp_path).stdout
    )
    assert summary["problems"][1]["value"] == "x" * 200 + "… (308 characters in all)"
    assert summary["problems"][2]["reason"] == (
        "4 numbers in text: 50-78-3 (check digit is 3, expected 2) 4 times"
    )


def test_fix_on_a_workbook_input(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Substance", "CAS No."])
    for row in (["a", "CAS 50-78-2"], ["b", 50782], ["c", "50-78-3"], ["d", "64-17-5"]):
        sheet.append(row)
    book.save(tmp_path / "in.xlsx")
    out = tmp_path / "out.csv"
    report = validate_csv(tmp_path / "in.xlsx", output=out, fix=True)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["CAS No."], r["cas_status"], r["cas_fixed"]) for r in rows] == [
        ("CAS 50-78-2", "normalised", "50-78-2"),
        ("50782", "number", "50-78-2"),
        ("50-78-3", "invalid-checksum", ""),
        ("64-17-5", "valid", ""),
    ]
    assert report.fixes == {"prefix": 1, "number": 1}
    assert report.fixed == 2
