"""Issue 19, items 2 and 3: input that cannot be read twice (pipes, FIFOs, ``/dev/stdin``,
process substitution) is read once, every row of it; the annotated rows are never written over
the input workbook."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font

from registry.bulk import Report, validate_csv
from registry.errors import InputFileError

ROOT = Path(__file__).resolve().parent.parent
ROWS = 200_000
# A run that waits for a second writer never ends; a right one takes a few seconds.
TIMEOUT = 60

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def _cas(rng: random.Random) -> str:
    """A CAS number in canonical form; one in twenty with a wrong check digit."""
    body = str(rng.randrange(10, 9_999_999))
    total = sum(int(d) * w for w, d in enumerate(reversed(body), start=1))
    check = (total + (rng.random() < 0.05)) % 10
    return f"{body[:-2]}-{body[-2:]}-{check}"


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 data rows, about 7 MB: far beyond the 256 KiB sniffing sample."""
    rng = random.Random(19)
    path = tmp_path_factory.mktemp("pipes") / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id,name,CAS No.\n")
        for row in range(ROWS):
            handle.write(f"{row},substance {row},{_cas(rng)}\n")
    return path


@pytest.fixture(scope="module")
def regular(big_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, bytes]:
    """The report and annotated rows of the regular file: what every pipe must give."""
    out = tmp_path_factory.mktemp("regular") / "out.csv"
    report = validate_csv(big_csv, output=out)
    written = out.read_bytes()
    assert report.rows == ROWS
    assert _data_rows(written) == ROWS
    return report, written


def _data_rows(output: bytes) -> int:
    """Rows of an annotated CSV output, less its header."""
    return len(list(csv.reader(io.StringIO(output.decode("utf-8"))))) - 1


def _same_report(piped: Report, regular: Report) -> None:
    """Everything a report says but the names of the input and output."""
    skip = {"path", "output"}
    first = {k: v for k, v in piped.to_dict().items() if k not in skip}
    second = {k: v for k, v in regular.to_dict().items() if k not in skip}
    assert first == second


@contextlib.contextmanager
def _fed_fifo(path: Path, data: bytes) -> Iterator[threading.Thread]:
    """``path`` made a FIFO that a thread writes ``data`` into, then closes."""
    os.mkfifo(path)
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with path.open("wb") as fifo:  # waits for a reader
                fifo.write(data)
        except BrokenPipeError as error:  # the reader went away early: the test says so
            failures.append(error)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield writer
    finally:
        if writer.is_alive():  # no reader came: open one so the writer's open returns
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(TIMEOUT)
    assert not failures, f"the reader closed the FIFO before reading it all: {failures}"


def _release_reader(path: Path) -> None:
    """End a reader that waits in ``open`` for a writer to come: one comes and goes."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def _in_thread(path: Path, **options: Any) -> Report:
    """``validate_csv(path, **options)``, failing the test if it has not ended in TIMEOUT."""
    outcome: list[Report | BaseException] = []

    def run() -> None:
        try:
            outcome.append(validate_csv(path, **options))
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    if worker.is_alive():
        _release_reader(path)
        worker.join(TIMEOUT)
        pytest.fail(f"validate_csv on a FIFO did not end in {TIMEOUT} s")
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def _cli(*args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        # Cross-checks (tests/test_crosscheck.py) aside: the plain verdicts, no offline index.
        [sys.executable, "-m", "registry", "validate", "--no-cross-check", *args],
        cwd=ROOT,
        capture_output=True,
        check=False,
        timeout=TIMEOUT,
        **options,
    )


@needs_fifo
def test_fifo_every_row_read_once(
    big_csv: Path, regular: tuple[Report, bytes], tmp_path: Path
) -> None:
    fifo = tmp_path / "rows.fifo"
    out = tmp_path / "out.csv"
    with _fed_fifo(fifo, big_csv.read_bytes()):
        report = _in_thread(fifo, output=out)
    written = out.read_bytes()
    assert report.rows == ROWS
    assert _data_rows(written) == ROWS
    assert written == regular[1]
    _same_report(report, regular[0])
    assert report.path == str(fifo)


@needs_fifo
def test_small_fifo_does_not_hang(tmp_path: Path) -> None:
    """A file shorter than the sample: read whole by the sniffing, then opened again, waited
    for a writer that had gone."""
    fifo = tmp_path / "small.fifo"
    with _fed_fifo(fifo, b"Name,CAS\nwater,7732-18-5\naspirin,50-78-3\nbenzene,71-43-2\n"):
        report = _in_thread(fifo)
    assert report.rows == 3
    assert report.counts == {"valid": 2, "invalid-checksum": 1}
    assert [p.row for p in report.problems] == [3]


@needs_fifo
def test_cli_on_a_fifo(big_csv: Path, regular: tuple[Report, bytes], tmp_path: Path) -> None:
    fifo = tmp_path / "rows.fifo"
    out = tmp_path / "out.csv"
    with _fed_fifo(fifo, big_csv.read_bytes()):
        result = _cli(str(fifo), "--output", str(out), "--fail-on", "never")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr.decode().startswith(f"{fifo}: {ROWS} rows, {regular[0].invalid} invalid")
    assert out.read_bytes() == regular[1]


def test_pipe_into_dev_stdin(big_csv: Path, regular: tuple[Report, bytes], tmp_path: Path) -> None:
    """``cat big.csv | registry validate /dev/stdin --output out.csv``"""
    if not Path("/dev/stdin").exists():
        pytest.skip("no /dev/stdin on this system")
    out = tmp_path / "out.csv"
    with subprocess.Popen(["cat", str(big_csv)], stdout=subprocess.PIPE) as cat:
        result = _cli("/dev/stdin", "--output", str(out), "--fail-on", "never", stdin=cat.stdout)
    assert cat.returncode == 0
    assert result.returncode == 0, result.stderr.decode()
    # The one-line result, then the duplicate numbers (the sample repeats many).
    assert result.stderr.decode().split("\n\n")[0] == (
        f"/dev/stdin: {ROWS} rows, {regular[0].invalid} invalid -> {out}"
    )
    assert "Duplicate CAS numbers (" in result.stderr.decode()
    written = out.read_bytes()
    assert _data_rows(written) == ROWS
    assert written == regular[1]


def test_pipe_summary_counts_every_row(big_csv: Path, regular: tuple[Report, bytes]) -> None:
    """Without --output: the JSON summary of a pipe is the regular file's."""
    with subprocess.Popen(["cat", str(big_csv)], stdout=subprocess.PIPE) as cat:
        result = _cli("/dev/stdin", "--format", "json", "--fail-on", "never", stdin=cat.stdout)
    assert result.returncode == 0, result.stderr.decode()
    (summary,) = json.loads(result.stdout)
    expected = json.loads(json.dumps(regular[0].to_dict()))  # tuples as JSON gives them
    assert summary["rows"] == ROWS
    assert {k: v for k, v in summary.items() if k not in ("path", "output")} == {
        k: v for k, v in expected.items() if k not in ("path", "output")
    }


def test_process_substitution(big_csv: Path, regular: tuple[Report, bytes], tmp_path: Path) -> None:
    """``registry validate <(cat big.csv) --output out.csv``"""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash for process substitution")
    out = tmp_path / "out.csv"
    command = (
        f'"{sys.executable}" -m registry validate <(cat "{big_csv}") '
        f'--output "{out}" --fail-on never'
    )
    result = subprocess.run(
        [bash, "-c", command], cwd=ROOT, capture_output=True, check=False, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr.decode()
    assert f": {ROWS} rows, {regular[0].invalid} invalid -> {out}\n" in result.stderr.decode()
    assert out.read_bytes() == regular[1]


def test_pipe_to_standard_output(big_csv: Path, regular: tuple[Report, bytes]) -> None:
    """A pipe in and standard output out (written through a spool, retried never twice)."""
    with subprocess.Popen(["cat", str(big_csv)], stdout=subprocess.PIPE) as cat:
        result = _cli("/dev/stdin", "--output", "-", "--fail-on", "never", stdin=cat.stdout)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == regular[1]
    # The one-line result, then the duplicate numbers (the sample repeats many).
    assert result.stderr.decode().split("\n\n")[0] == (
        f"/dev/stdin: {ROWS} rows, {regular[0].invalid} invalid -> <stdout>"
    )
    assert "Duplicate CAS numbers (" in result.stderr.decode()


def test_binary_pipe_refused_without_reading_it_all() -> None:
    """A device that never ends (``/dev/zero``) is refused from its sample, not spooled."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(InputFileError, match=r"^/dev/zero: looks like a binary file"):
        validate_csv("/dev/zero")


# Item 3: the output is never the input workbook.


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A workbook with two sheets, a formula and a style: what CSV text would lose."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Substances"
    sheet.append(["Name", "CAS No.", "Amount"])
    sheet.append(["Water", "7732-18-5", 2])
    sheet.append(["Aspirin", "50-78-3", 3])
    sheet["C4"] = "=SUM(C2:C3)"
    sheet["A1"].font = Font(bold=True)
    notes = workbook.create_sheet("Notes")
    notes.append(["kept", "as", "it", "is"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    return path


def _refused(book: Path, output: str | os.PathLike[str]) -> None:
    before = book.read_bytes()
    with pytest.raises(InputFileError) as caught:
        validate_csv(book, output=output)
    message = str(caught.value)
    assert message == (
        f"{output}: is the input workbook; the annotated rows (CSV text) would replace its "
        "sheets, formulas and styles: write them to another file"
    )
    assert "\n" not in message
    assert book.read_bytes() == before
    assert [p.name for p in book.parent.iterdir() if p.name.endswith(".part")] == []


def test_output_over_the_input_workbook_refused(book: Path) -> None:
    _refused(book, book)
    _refused(book, str(book))


def test_output_over_the_workbook_by_another_name_refused(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same file by a relative path, a symbolic link or a hard link."""
    monkeypatch.chdir(tmp_path)
    _refused(book, "book.xlsx")
    _refused(book, Path(".") / "sub" / ".." / "book.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    _refused(book, link)
    hard = tmp_path / "hard.xlsx"
    os.link(book, hard)
    _refused(book, hard)
    _refused(hard, book)


def test_cli_refuses_output_over_the_input_workbook(book: Path) -> None:
    before = book.read_bytes()
    result = _cli(str(book), "-o", str(book))
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"error: {book}: is the input workbook; the annotated rows (CSV text) would replace "
        "its sheets, formulas and styles: write them to another file\n"
    )
    assert book.read_bytes() == before


def test_workbook_output_to_another_file_still_written(book: Path, tmp_path: Path) -> None:
    before = book.read_bytes()
    out = tmp_path / "checked.csv"
    report = validate_csv(book, output=out)
    assert report.rows == 2
    # The formula's row has no value (openpyxl reads stored values; Excel never saved one).
    assert out.read_text(encoding="utf-8").splitlines() == [
        "Name,CAS No.,Amount,cas_canonical,cas_status,cas_reason,cas_suggestion",
        "Water,7732-18-5,2,7732-18-5,valid,,",
        'Aspirin,50-78-3,3,,invalid-checksum,"check digit is 3, expected 2",50-78-2',
    ]
    assert book.read_bytes() == before
