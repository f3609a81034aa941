"""The annotated rows follow the output's name (.xlsx, .csv, .tsv, .jsonl; a directory gets
``<stem>.validated.<input's extension>``), each opened back and checked row for row against the
input; several files each get their summary or one error line, and the worst exit status."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from registry.bulk import ADDED_COLUMNS, validate_csv
from registry.errors import InputFileError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ECHA = DATA / "EU_SVHC_authorisationlist.xlsx"
OEHHA = DATA / "ubiq_OEHHA_P65.csv"
NTP = DATA / "ubiq_NTP_ROC15.csv"

_ROWS = [
    ["Name", "CAS RN", "Note"],
    ["Water", "7732-18-5", "solvent"],
    ["Aspirin", "50-78-3", "typo, check digit"],
    ["Formula-like", "=1+2", "text that looks like a formula"],
    ["Empty", "", ""],
    ["Mixture", "68-22-4/ 57-63-6", 'quoted "two"'],
]
_STATUSES = ["valid", "invalid-checksum", "invalid-format", "empty", "multiple"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # Cross-checks (tests/test_crosscheck.py) aside: the plain verdicts, no offline index.
        [sys.executable, "-m", "registry", "validate", "--no-cross-check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    made = {}
    for name, delimiter in (("list.csv", ","), ("list.tsv", "\t"), ("list.txt", ";")):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(_ROWS)
        made[name] = tmp_path / name
        made[name].write_text(buffer.getvalue(), encoding="utf-8")
    return made


def _read_back(path: Path, delimiter: str = ",") -> list[list[str]]:
    """Every row of an output file as text (a workbook's empty cells as "")."""
    suffix = path.suffix
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    text = path.read_text(encoding="utf-8")
    if suffix == ".jsonl":
        records = [json.loads(line) for line in text.splitlines()]
        keys = list(records[0])
        return [keys, *[["" if r[k] is None else r[k] for k in keys] for r in records]]
    return list(csv.reader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else delimiter))


@pytest.mark.parametrize("source", ["list.csv", "list.tsv", "list.txt"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".tsv", ".jsonl"])
def test_output_follows_its_name_row_for_row(
    inputs: dict[str, Path], tmp_path: Path, source: str, suffix: str
) -> None:
    out = tmp_path / f"checked{suffix}"
    report = validate_csv(inputs[source], output=out)
    assert report.output == str(out)
    # A CSV keeps a semicolon list's delimiter (as the Excel of its locale reads it).
    rows = _read_back(out, ";" if source == "list.txt" else ",")
    assert rows[0] == [*_ROWS[0], *ADDED_COLUMNS]
    assert [row[:3] for row in rows[1:]] == _ROWS[1:]
    assert [row[4] for row in rows[1:]] == _STATUSES
    assert rows[2][6] == "50-78-2"
    if suffix == ".xlsx":
        sheet = openpyxl.load_workbook(out).active
        assert sheet is not None
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet["B4"].data_type == "s"  # "=1+2" stays text, not a formula
    if suffix == ".csv" and source != "list.txt":
        assert out.read_text(encoding="utf-8").startswith("Name,CAS RN,Note,")


def test_workbook_to_every_format(tmp_path: Path) -> None:
    """ECHA's workbook out as each format, row for row against the sheet below its header."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sheet = openpyxl.load_workbook(ECHA)["results"]
    expected = [
        ["" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(min_row=4, values_only=True)
    ]
    for suffix in (".xlsx", ".csv", ".tsv", ".jsonl"):
        out = tmp_path / f"echa{suffix}"
        validate_csv(ECHA, output=out)
        rows = _read_back(out)
        assert [row[:16] for row in rows] == expected, suffix
        assert len(rows[0]) == 20


def test_directory_gets_the_inputs_extension(inputs: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "checked"
    result = _cli(str(inputs["list.tsv"]), str(ECHA), str(inputs["list.csv"]), "-o", str(target))
    assert result.returncode == 1, result.stderr  # Aspirin's typo
    assert sorted(p.name for p in target.iterdir()) == [
        "EU_SVHC_authorisationlist.validated.xlsx",
        "list.validated.csv",
        "list.validated.tsv",
    ]
    assert _read_back(target / "list.validated.tsv")[1][:3] == _ROWS[1]
    assert (target / "list.validated.tsv").read_text().startswith("Name\tCAS RN\tNote\t")
    assert len(_read_back(target / "EU_SVHC_authorisationlist.validated.xlsx")) == 142
    # One input and a name ending with a slash: a directory too.
    single = _cli(str(inputs["list.txt"]), "-o", f"{tmp_path / 'one'}/", "--fail-on", "never")
    assert single.returncode == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["list.validated.txt"]


def test_format_and_name_must_agree(inputs: dict[str, Path], tmp_path: Path) -> None:
    result = _cli(str(inputs["list.csv"]), "-o", str(tmp_path / "x.xlsx"), "-f", "csv")
    assert result.returncode == 2
    assert "csv contradicts the output's name" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
    named = _cli(str(inputs["list.csv"]), "-o", str(tmp_path / "rows.out"), "-f", "jsonl")
    assert named.returncode == 1
    assert json.loads((tmp_path / "rows.out").read_text().splitlines()[0])["Name"] == "Water"
    with pytest.raises(InputFileError, match="a workbook is written to a file"):
        validate_csv(inputs["list.csv"], output=io.StringIO(), output_format="xlsx")


def test_several_files_each_summary_or_error(inputs: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02" * 50)
    missing = tmp_path / "missing.csv"
    result = _cli(str(inputs["list.csv"]), str(bad), str(NTP), str(missing), "--format", "json")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}: looks like a binary file (it contains NUL bytes), not CSV text",
        f"error: {missing}: No such file or directory",
    ]
    summaries = json.loads(result.stdout)
    assert [s["path"] for s in summaries] == [
        str(inputs["list.csv"]),
        str(bad),
        str(NTP),
        str(missing),
    ]
    assert summaries[0]["rows"] == 5
    assert summaries[2]["rows"] == 349
    assert summaries[1]["error"].startswith(f"{bad}: looks like a binary file")
    table = _cli(str(NTP), str(bad), "--fail-on", "never")
    assert table.returncode == 2
    assert f"== {NTP}" in table.stdout
    # Invalid rows and no unreadable file: exit 1; all good: 0.
    assert _cli(str(NTP), str(inputs["list.csv"])).returncode == 1
    assert _cli(str(NTP), str(NTP)).returncode == 0
    out = _cli(str(OEHHA), str(bad), "-o", str(tmp_path / "out"))
    assert out.returncode == 2
    assert (tmp_path / "out" / "ubiq_OEHHA_P65.validated.csv").is_file()
    assert f"{OEHHA}: " in out.stderr
    assert f"error: {bad}: " in out.stderr
