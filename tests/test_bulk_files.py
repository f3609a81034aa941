"""validate_csv and ``registry validate`` on the real lists and on generated awkward files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import registry
from registry.bulk import ADDED_COLUMNS, Cell, Duplicate, classify_cell, validate_csv
from registry.bulk import reading as bulk_reading
from registry.errors import InputFileError

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
OEHHA = DATA / "ubiq_OEHHA_P65.csv"
COMPTOX = DATA / "ubiq_CompTox_P65.csv"
NTP = DATA / "ubiq_NTP_ROC15.csv"
REAL = [OEHHA, COMPTOX, NTP]

_ROWS = [
    ["Water", "7732-18-5", "solvent"],
    ["Benzene", "71-43-2", "cancer, leukaemia"],
    ["Aspirin", "50-78-3", "typo"],
    ["Mixture", "68-22-4/ 57-63-6", "two"],
    ["Nothing", "---", ""],
    ["Chromium", "Chromium (7440-47-3)", "in text"],
    ["Water again", "7732185", "hyphens stripped"],
]


def _text_file(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Awkward files of the kinds real exports produce."""
    base = tmp_path_factory.mktemp("generated")
    header = ["Name", "CAS RN", "Note"]
    files: dict[str, Path] = {}

    def write(name: str, data: bytes) -> None:
        files[name] = base / name
        files[name].write_bytes(data)

    table = _text_file(base, [header, *_ROWS], delimiter="\t")
    # Excel's "Unicode Text": UTF-16 little-endian with a byte-order mark, tab-separated.
    write("utf16.txt", table.encode("utf-16"))
    preamble = "Substance list export\r\nGenerated 2024-01-05; notes follow\r\n\r\n"
    write("preamble.csv", (preamble + _text_file(base, [header, *_ROWS])).encode("utf-8"))
    write("semicolon.csv", _text_file(base, [header, *_ROWS], delimiter=";").encode("cp1252"))
    write("noheader.csv", _text_file(base, _ROWS).encode("utf-8"))
    ragged = [header, _ROWS[0], [*_ROWS[1], "extra", "fields"], _ROWS[2][:2], _ROWS[3]]
    write("ragged.csv", _text_file(base, ragged).encode("utf-8"))
    breaks = [header, ["Multi\nline name", "50-00-0\n71-43-2", "a\r\nb"], *_ROWS[:2]]
    write("linebreaks.csv", _text_file(base, breaks).encode("utf-8"))
    # Written by hand, as exports without a csv library write: nothing quoted but a few empty
    # fields, a short row and a blank line; then the same with text in quotes.
    plain = (
        "Name,CAS RN,Note\r\nWater,7732-18-5,solvent\r\nAspirin,50-78-3,typo\r\n"
        "Short row,71-43-2\r\nMixture,68-22-4/ 57-63-6,two\r\nNothing,---,\r\n\r\n"
        'Chromium,Chromium (7440-47-3),in text\r\nQuoted empty,"",x\r\nStripped,7732185,""\r\n'
        '"",50-78-2,\r\nLetters,abc-de-f,\r\n'
    )
    write("plain.csv", plain.encode("utf-8"))
    write("plain.tsv", plain.replace(",", "\t").encode("utf-8"))
    write("plain_semicolon.csv", plain.replace(",", ";").encode("utf-8"))
    quoted = plain + '"Benzene, liquid",71-43-2,"cancer, ""leukaemia"""\r\n'
    write("quoted_empty.csv", quoted.encode("utf-8"))
    write("header_only.csv", b"Name,CAS No.\n")
    write("empty.csv", b"")
    write("binary.csv", bytes(range(256)) * 8)
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing here"])
    sheet = workbook.create_sheet("Substances")
    sheet.append(["Name", "CAS No."])
    sheet.append(["Water", "7732-18-5"])
    sheet.append(["Water as number", 7732185])
    sheet.append(["Aspirin as float", 50782.0])
    sheet.append(["Turned into a date", dt.datetime(2004, 1, 5)])
    sheet.append(["Typo", "50-78-3"])
    sheet.append(["Missing", None])
    files["book.xlsx"] = base / "book.xlsx"
    workbook.save(files["book.xlsx"])
    return files


def _read_rows(path: Path, encoding: str, delimiter: str, skip: int) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        for _ in range(skip):
            handle.readline()
        return list(csv.reader(handle, delimiter=delimiter))


def _both_engines(path: Path, fmt: str = "csv") -> tuple[str, str, registry.Report]:
    outputs = []
    reports = []
    for engine in ("polars", "csv"):
        buffer = io.StringIO()
        reports.append(
            validate_csv(path, engine=engine, output=buffer, output_format=fmt, chunk_rows=100)  # type: ignore[arg-type]
        )
        outputs.append(buffer.getvalue())
    fast, slow = reports
    fast.settings.pop("engine")
    slow.settings.pop("engine")
    assert fast == slow
    return outputs[0], outputs[1], fast


_TEXT_FILES = ["utf16.txt", "preamble.csv", "semicolon.csv", "noheader.csv", "linebreaks.csv"]
_UNQUOTED_FILES = ["plain.csv", "plain.tsv", "plain_semicolon.csv", "quoted_empty.csv"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_engines_agree_on_real_files(path: Path, fmt: str) -> None:
    fast, slow, _ = _both_engines(path, fmt)
    assert fast == slow


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("name", [*_TEXT_FILES, *_UNQUOTED_FILES, "header_only.csv"])
def test_engines_agree_on_generated_files(generated: dict[str, Path], name: str, fmt: str) -> None:
    fast, slow, _ = _both_engines(generated[name], fmt)
    assert fast == slow


_PLAIN_OUTPUT = """\
Name,CAS RN,Note,cas_canonical,cas_status,cas_reason,cas_suggestion
Water,7732-18-5,solvent,7732-18-5,valid,,
Aspirin,50-78-3,typo,,invalid-checksum,"check digit is 3, expected 2",50-78-2
Short row,71-43-2,,71-43-2,valid,,
Mixture,68-22-4/ 57-63-6,two,68-22-4; 57-63-6,multiple,"2 numbers in one cell: 68-22-4 (valid), \
57-63-6 (valid)",
Nothing,---,,,placeholder,placeholder '---',
,,,,empty,empty,
Chromium,Chromium (7440-47-3),in text,7440-47-3,embedded,found 7440-47-3 in text,
Quoted empty,,x,,empty,empty,
Stripped,7732185,,7732-18-5,normalised,inserted hyphens,
,50-78-2,,50-78-2,valid,,
Letters,abc-de-f,,,invalid-format,contains letters a CAS number cannot have: 'abcdef',
"""


def test_unquoted_file_written_back_field_for_field(generated: dict[str, Path]) -> None:
    """Fields come back as read (a short row padded, quoted empty fields empty, line breaks
    as ``\\n``); only the reasons that hold the delimiter are quoted, and in a tab-separated
    file nothing is."""
    fast, slow, _ = _both_engines(generated["plain.csv"])
    assert fast == slow == _PLAIN_OUTPUT
    tabbed, _, _ = _both_engines(generated["plain.tsv"], "tsv")
    rows = list(csv.reader(io.StringIO(_PLAIN_OUTPUT)))
    assert tabbed == "".join("\t".join(row) + "\n" for row in rows)
    # Asked for CSV, a tab-separated file is written with commas, field for field.
    commas, _, _ = _both_engines(generated["plain.tsv"], "csv")
    assert commas == _PLAIN_OUTPUT


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (b"a,b\r\nc,d\r\n", True),
        (b'a,""\n"",b\n"",""\r\n', True),
        (b'"a,b",c\n', False),
        (b'a,"b"\n', False),
        (b'a,""""\n', False),
        (b'a,b""c\n', False),
        (b"a\rb,c\n", False),
    ],
)
def test_blocks_that_need_no_quotes(block: bytes, expected: bool) -> None:
    assert bulk_reading._needs_no_quotes(block, b",") is expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\n", True),
        (b'a,""\n"",b\n', True),
        (b'a,""""\n', True),  # two pairs: the count stays even
        (b'"a\nb",c\n', False),
        (b'a,"""\n', False),
        (b'x,"say ""hi"""\n', False),
    ],
)
def test_quotes_all_in_pairs(data: bytes, expected: bool) -> None:
    pairs = bulk_reading._quote_pairs(data)
    assert (pairs is not None) is expected
    if pairs is not None:
        assert [data[at : at + 2] for at in pairs] == [b'""'] * (data.count(b'"') // 2)
        # What reading relies on: an even count of quotes before every line break.
        assert all(data[:i].count(b'"') % 2 == 0 for i, c in enumerate(data) if c == 10)
    # The same bytes inside a larger buffer, as the block reader looks at them.
    framed = bytearray(b'"x' + data + b'"')
    assert bulk_reading._quote_pairs(framed, 2, 2 + len(data)) == (
        None if pairs is None else [at + 2 for at in pairs]
    )


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_row_out_in_order(path: Path) -> None:
    buffer = io.StringIO()
    report = validate_csv(path, output=buffer)
    encoding = report.settings["encoding"]
    original = _read_rows(path, encoding, ",", 0)
    written = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(written) == len(original) == report.rows + 1
    assert written[0] == [*original[0], *ADDED_COLUMNS]
    width = len(original[0])
    for before, after in zip(original, written, strict=True):
        assert after[:width] == before
    assert sum(report.counts.values()) == report.rows


def _annotated(path: Path) -> list[dict[str, str]]:
    buffer = io.StringIO()
    validate_csv(path, output=buffer, output_format="jsonl")
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_prop65_cells() -> None:
    rows = _annotated(OEHHA)
    by_value = {row["CAS No."]: row for row in rows}
    two = by_value["68-22-4/               57-63-6"]
    assert (two["cas_status"], two["cas_canonical"]) == ("multiple", "68-22-4; 57-63-6")
    assert by_value["34465-46- 8"]["cas_canonical"] == "34465-46-8"
    assert by_value["---"]["cas_status"] == "placeholder"
    assert by_value["  ---"]["cas_status"] == "placeholder"
    assert by_value[""]["cas_status"] == "empty"
    bad = by_value["2025884"]
    assert (bad["cas_status"], bad["cas_suggestion"]) == ("invalid-checksum", "2025-88-9")
    # The file is Latin-1: the micro sign in a header survives.
    assert "NSRL or MADL (\u00b5g/day)a" in rows[0]


def test_prop65_report() -> None:
    report = validate_csv(OEHHA)
    assert report.settings["encoding"] in ("cp1252", "latin-1")
    assert report.settings["column"] == "CAS No."
    assert report.rows == 976
    assert report.counts["multiple"] == 3
    assert report.invalid == 1
    assert [(p.row, p.value) for p in report.problems] == [(867, "2025884")]
    by_number = {d.canonical: d for d in report.duplicates}
    assert by_number["68-22-4"].count == 4  # two of them inside two-number cells
    assert len(by_number["68-22-4"].rows) == 4


def test_comptox_placeholders_and_bom() -> None:
    report = validate_csv(COMPTOX)
    assert report.settings["encoding"] == "utf-8-sig"
    assert report.settings["column"] == "CASRN"
    assert report.counts == {"valid": 991, "placeholder": 2}
    rows = _annotated(COMPTOX)
    assert next(iter(rows[0])) == "DTXSID"  # no byte-order mark in the first name
    placeholders = [r["CASRN"] for r in rows if r["cas_status"] == "placeholder"]
    assert placeholders == ["NOCAS_872425", "NOCAS_872421"]


def test_ntp_non_breaking_spaces() -> None:
    rows = _annotated(NTP)
    spaced = [r for r in rows if r["CASRN"].endswith("\xa0")]
    assert len(spaced) == 3
    assert all(r["cas_status"] == "normalised" for r in spaced)
    assert spaced[0]["cas_canonical"] == "319-85-7"
    assert {r["cas_status"] for r in rows if r["CASRN"] == "NA"} == {"placeholder"}


@pytest.mark.parametrize("name", _TEXT_FILES)
def test_generated_files_are_read_right(generated: dict[str, Path], name: str) -> None:
    _, _, report = _both_engines(generated[name])
    expected_rows = 3 if name == "linebreaks.csv" else len(_ROWS)
    assert report.rows == expected_rows
    if name == "linebreaks.csv":
        assert report.counts == {"valid": 2, "multiple": 1}
        return
    assert report.counts == {
        "valid": 2,
        "embedded": 1,
        "invalid-checksum": 1,
        "multiple": 1,
        "normalised": 1,
        "placeholder": 1,
    }
    assert [(p.value, p.suggestion) for p in report.problems] == [("50-78-3", "50-78-2")]
    assert report.duplicates[0].canonical == "7732-18-5"


def test_detected_settings(generated: dict[str, Path]) -> None:
    utf16 = validate_csv(generated["utf16.txt"]).settings
    assert (utf16["encoding"], utf16["delimiter"], utf16["column"]) == ("utf-16", "\t", "CAS RN")
    preamble = validate_csv(generated["preamble.csv"])
    assert preamble.settings["skip_lines"] == 3
    # Row numbers count the preamble and header, as a spreadsheet shows them.
    assert preamble.problems[0].row == 7
    noheader = validate_csv(generated["noheader.csv"]).settings
    assert (noheader["header"], noheader["column_index"], noheader["column_by"]) == (
        False,
        1,
        "content",
    )
    assert validate_csv(generated["semicolon.csv"]).settings["delimiter"] == ";"


def test_overrides(generated: dict[str, Path]) -> None:
    report = validate_csv(generated["preamble.csv"], column="CAS RN", skip_lines=3, delimiter=",")
    assert report.settings["column_by"] == "option"
    assert validate_csv(generated["noheader.csv"], column=1).rows == len(_ROWS)
    with pytest.raises(InputFileError, match="no column named"):
        validate_csv(generated["preamble.csv"], column="CAS")


def test_ragged_rows_fall_back_to_the_csv_module(generated: dict[str, Path]) -> None:
    with pytest.raises(InputFileError, match="cannot read as CSV"):
        validate_csv(generated["ragged.csv"], engine="polars")
    buffer = io.StringIO()
    report = validate_csv(generated["ragged.csv"], output=buffer)
    assert report.settings["engine"] == "csv"
    assert report.rows == 4
    written = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(written) == 5
    assert written[2][-2:] == ["extra", "fields"]  # kept, after the added columns
    assert written[3][:3] == ["Aspirin", "50-78-3", ""]  # the short row padded


def test_header_only_and_empty_and_binary(generated: dict[str, Path]) -> None:
    buffer = io.StringIO()
    report = validate_csv(generated["header_only.csv"], output=buffer)
    assert (report.rows, report.counts) == (0, {})
    assert buffer.getvalue() == "Name,CAS No.," + ",".join(ADDED_COLUMNS) + "\n"
    with pytest.raises(InputFileError, match="empty"):
        validate_csv(generated["empty.csv"])
    with pytest.raises(InputFileError, match="binary"):
        validate_csv(generated["binary.csv"])
    with pytest.raises(InputFileError):
        validate_csv(generated["empty.csv"].parent / "missing.csv")


def test_workbook_numbers_and_dates(generated: dict[str, Path]) -> None:
    with pytest.raises(InputFileError, match="sheet 'Notes': no column looks like CAS"):
        validate_csv(generated["book.xlsx"], sheet="Notes")
    auto = validate_csv(generated["book.xlsx"])  # the first sheet holds only notes
    assert (auto.settings["sheet"], auto.settings["sheet_by"]) == ("Substances", "content")
    buffer = io.StringIO()
    report = validate_csv(generated["book.xlsx"], sheet="Substances", output=buffer)
    assert report.settings["sheet"] == "Substances"
    assert (auto.rows, auto.counts, auto.problems) == (report.rows, report.counts, report.problems)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    statuses = [(r["CAS No."], r["cas_status"], r["cas_canonical"]) for r in rows]
    assert statuses == [
        ("7732-18-5", "valid", "7732-18-5"),
        ("7732185", "number", "7732-18-5"),
        ("50782", "number", "50-78-2"),
        ("2004-01-05", "date", ""),
        ("50-78-3", "invalid-checksum", ""),
        ("", "empty", ""),
    ]
    assert report.invalid == 2
    with pytest.raises(InputFileError, match="no sheet named"):
        validate_csv(generated["book.xlsx"], sheet="Nope")


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        # Cross-checks (tests/test_crosscheck.py) aside: the plain verdicts, no offline index.
        [sys.executable, "-m", "registry", "validate", "--no-cross-check", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_cli_summary_and_exit_codes(generated: dict[str, Path]) -> None:
    result = _cli(str(OEHHA), "--show", "3")
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "2025884" in out
    assert "invalid-checksum" in out
    assert "CAS No." in out
    assert _cli(str(OEHHA), "--fail-on", "never").returncode == 0
    assert _cli(str(COMPTOX)).returncode == 0
    summary = json.loads(_cli(str(NTP), "--format", "json").stdout)
    assert summary[0]["counts"]["placeholder"] == 47
    binary = _cli(str(generated["binary.csv"]))
    assert binary.returncode == 2
    assert binary.stderr.decode().startswith("error: ")
    assert "binary" in binary.stderr.decode()
    assert b"Traceback" not in binary.stderr


def test_no_cas_column_names_the_parameter_or_the_flag(tmp_path: Path) -> None:
    """The library names its parameter (``column=``); the command names its flag."""
    path = tmp_path / "names.csv"
    path.write_text("name,notes\nwater,clear\nethanol,volatile\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="name one with column=NAME") as caught:
        validate_csv(path)
    assert "--column" not in str(caught.value)
    result = _cli(str(path))
    assert result.returncode == 2
    assert "name one with --column NAME" in result.stderr.decode()


def test_cli_output_and_stdin(generated: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    result = _cli(str(generated["preamble.csv"]), "-o", str(target), "-f", "jsonl")
    assert result.returncode == 1
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["Name"] for r in records] == [row[0] for row in _ROWS]
    piped = _cli("-", "--output", "-", "--fail-on", "never", stdin=NTP.read_bytes())
    assert piped.returncode == 0
    assert len(list(csv.reader(io.StringIO(piped.stdout.decode())))) == 350
    assert b"349 rows" in piped.stderr
    many = _cli(str(NTP), str(COMPTOX), "-o", str(tmp_path / "checked"))
    assert many.returncode == 0
    assert sorted(p.name for p in (tmp_path / "checked").iterdir()) == [
        "ubiq_CompTox_P65.validated.csv",
        "ubiq_NTP_ROC15.validated.csv",
    ]


def test_output_replaced_only_when_complete(tmp_path: Path) -> None:
    """The output takes its path's place once every row is written: the input itself can be
    the output, an interrupted run leaves an earlier output as it was, and nothing is left
    behind either way."""
    listing = tmp_path / "list.csv"
    listing.write_bytes(NTP.read_bytes())
    expected = io.StringIO()
    validate_csv(NTP, output=expected)
    report = validate_csv(listing, output=listing)
    assert report.rows == 349
    assert listing.read_text(encoding="utf-8") == expected.getvalue()

    earlier = tmp_path / "checked.csv"
    earlier.write_text("an earlier run's output\n", encoding="utf-8")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    for engine in ("polars", "csv"):
        with pytest.raises(KeyboardInterrupt):
            validate_csv(COMPTOX, output=earlier, chunk_rows=100, engine=engine, progress=interrupt)
        assert earlier.read_text(encoding="utf-8") == "an earlier run's output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checked.csv", "list.csv"]


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_blocks_end_at_record_ends(tmp_path: Path, size: int) -> None:
    text = 'title\nName,CAS\n"a\nb",50-00-0\n"say ""hi""\n",7732-18-5\nlast,71-43-2'
    path = tmp_path / "blocks.csv"
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    blocks = list(bulk_reading._utf8_blocks(path, "utf-8-sig", 2, size))
    assert b"".join(blocks).decode() == text.split("\n", 2)[2]
    for block in blocks[:-1]:
        assert block.endswith(b"\n")
        assert block.count(b'"') % 2 == 0
    empties = tmp_path / "empties.csv"  # quotes only in quoted empty fields
    empties.write_bytes(b'Name,CAS\n"",50-00-0\nb,""\n"",""\n')
    blocks = list(bulk_reading._utf8_blocks(empties, "utf-8", 1, size))
    assert b"".join(blocks) == b'"",50-00-0\nb,""\n"",""\n'
    assert all(block.endswith(b"\n") for block in blocks)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name;CAS\n\u00b5-thing;50-00-0\n".encode("cp1252"))
    assert (
        b"".join(bulk_reading._utf8_blocks(latin, "cp1252", 1, size))
        == "\u00b5-thing;50-00-0\n".encode()
    )


@pytest.mark.parametrize("engine", ["polars", "csv"])
def test_duplicate_rows_in_file_order_across_multi_number_cells(
    tmp_path: Path, engine: str
) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("name,cas\na,64-17-5\nb,50-00-0/64-17-5\nc,64-17-5\nd,50-00-0\n")
    report = validate_csv(path, engine=engine)  # type: ignore[arg-type]
    by_number = {d.canonical: (d.count, d.rows) for d in report.duplicates}
    assert by_number == {"64-17-5": (3, (2, 3, 4)), "50-00-0": (2, (3, 5))}


def test_duplicate_tally_same_when_folded_often(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folding pending numbers into the tally after every chunk changes nothing."""
    path = tmp_path / "dups.csv"
    numbers = ["64-17-5", "50-00-0/64-17-5", "7732-18-5", "50-00-0", "7732185", "x"] * 7
    path.write_text("name,cas\n" + "".join(f"n{i},{n}\n" for i, n in enumerate(numbers)))
    once = validate_csv(path, chunk_rows=4)
    monkeypatch.setattr("registry.bulk.report._PENDING_ROWS", 1)
    often = validate_csv(path, chunk_rows=4)
    assert (often.duplicate_numbers, often.duplicates) == (once.duplicate_numbers, once.duplicates)
    by_number = {d.canonical: (d.count, d.rows[:3]) for d in once.duplicates}
    assert by_number["64-17-5"] == (14, (2, 3, 8))
    assert by_number["7732-18-5"] == (14, (4, 6, 10))
    assert len(once.duplicates[0].rows) == 10


@pytest.mark.parametrize("pending", [1, 1_000_000])
@pytest.mark.parametrize("limit", [0, 3, 8, 500])
def test_duplicates_equal_a_plain_python_tally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pending: int, limit: int
) -> None:
    """Counts, order (most frequent, then by number) and first rows of the duplicates, over
    many chunks, against a tally of classify_cell verdicts in plain Python."""
    rng = random.Random(7)
    pool = ["64-17-5", "50-00-0", "7732-18-5", "71-43-2", "58-08-2", "50-78-2", "7440-47-3"]
    pool += [f"{n} " for n in pool] + ["50-00-0/64-17-5", "NA", "", "7732185", "50-78-3"]
    values = [rng.choice(pool) for _ in range(6000)]
    # Three numbers with the same count, ordered by number, the cut of limit 8 among them.
    for at, number in zip((5, 2500, 5900), ("7647-14-5", "67-64-1", "67-56-1"), strict=True):
        values[at : at + 4] = [number] * 4
    path = tmp_path / "dups.csv"
    path.write_text("name,cas\n" + "".join(f"n{i},{v}\n" for i, v in enumerate(values)))
    monkeypatch.setattr("registry.bulk.report._PENDING_ROWS", pending)
    report = validate_csv(path, chunk_rows=150, max_duplicates=limit)
    seen: dict[str, list[int]] = {}
    for row, value in enumerate(values, start=2):
        canonical = classify_cell(value).canonical
        for number in canonical.split("; ") if canonical else []:
            seen.setdefault(number, []).append(row)
    repeated = sorted(
        ((n, rows) for n, rows in seen.items() if len(rows) > 1),
        key=lambda item: (-len(item[1]), item[0]),
    )
    assert report.duplicate_numbers == len(repeated)
    assert report.duplicates == [
        Duplicate(n, len(rows), tuple(rows[:10])) for n, rows in repeated[:limit]
    ]


def test_digits_of_other_scripts_do_not_stop_a_file(tmp_path: Path) -> None:
    path = tmp_path / "scripts.csv"
    path.write_text(
        "name,cas\naspirin,\u0665\u0660-\u0667\u0668-\u0662\nwater,7732-18-5\n"
        "odd,50-78-\U00010a42\n",
        encoding="utf-8",
    )
    buffer = io.StringIO()
    report = validate_csv(path, output=buffer)
    assert report.rows == 3
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [r["cas"] for r in rows] == [
        "\u0665\u0660-\u0667\u0668-\u0662",
        "7732-18-5",
        "50-78-\U00010a42",
    ]
    assert [r["cas_canonical"] for r in rows] == ["50-78-2", "7732-18-5", ""]
    assert [r["cas_status"] for r in rows] == ["normalised", "valid", "invalid-format"]
    assert rows == [
        {**r, **dict(zip(ADDED_COLUMNS, _cell_columns(classify_cell(r["cas"])), strict=True))}
        for r in rows
    ]


def _cell_columns(cell: Cell) -> tuple[str, str, str, str]:
    return (cell.canonical or "", str(cell.status), cell.reason, cell.suggestion or "")
