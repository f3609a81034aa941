"""Odd and hostile input to ``registry validate`` and ``validate_many`` (issue 19): one error
line and exit 2 for what cannot be read, a capped value for a huge cell, no stale hidden part
files, an answer (never an exception) for any value."""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from registry import validate_many
from registry.bulk.pipeline import text_encoding, validate_csv
from registry.bulk.report import MOST_SHOWN
from registry.errors import InputFileError


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", "validate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100"},
        timeout=300,
    )


@pytest.fixture
def small(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text("name,cas\nethanol,64-17-5\nx,50-78-3\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("encoding", "says"),
    [
        ("rot13", "--encoding 'rot13': not an encoding of text files"),
        ("hex", "--encoding 'hex': not an encoding of text files"),
        ("idna", "--encoding 'idna': not an encoding of text files"),
        ("base64", "--encoding 'base64': not an encoding of text files"),
        ("no-such-codec", "--encoding 'no-such-codec': no such encoding"),
        ("utf-16", "cannot be read as utf-16"),
        ("utf-32", "cannot be read as utf-32"),
    ],
)
def test_an_encoding_the_file_is_not_in_is_one_error_line(
    small: Path, encoding: str, says: str
) -> None:
    run = _cli("a.csv", "--encoding", encoding, "--no-cross-check", cwd=small)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("error: a.csv: "), run.stderr
    assert says in run.stderr


def test_text_encodings_are_taken() -> None:
    assert text_encoding("UTF8") == "utf-8"
    assert text_encoding("cp1252") == "cp1252"
    with pytest.raises(InputFileError, match="encoding='rot_13'"):
        text_encoding("rot_13")


def test_several_inputs_into_an_existing_file_is_a_usage_error(small: Path) -> None:
    (small / "b.csv").write_text("cas\n64-17-5\n", encoding="utf-8")
    (small / "taken").write_text("keep me\n", encoding="utf-8")
    run = _cli("a.csv", "b.csv", "-o", "taken", "--no-cross-check", cwd=small)
    assert run.returncode == 2
    assert "Invalid value for --output: 'taken' is a file; several inputs are written into a" in (
        run.stderr
    )
    assert (small / "taken").read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize(("args", "flag"), [(("",), "FILE"), (("a.csv", "-o", ""), "--output")])
def test_an_empty_file_name_is_a_usage_error(small: Path, args: tuple[str, ...], flag: str) -> None:
    run = _cli(*args, cwd=small)
    assert run.returncode == 2
    assert f"Invalid value for {flag}: an empty file name" in run.stderr
    assert "is a directory" not in run.stderr


def test_stale_part_files_of_the_same_output_are_removed(small: Path) -> None:
    # What a run killed with SIGKILL leaves: a hidden part named with its (gone) process id.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = small / f".out.csv.{int(dead.stdout)}.0badc0de.part"
    stale.write_text("half a file", encoding="utf-8")
    running = small / f".out.csv.{os.getpid()}.1234abcd.part"  # a live writer's: kept
    running.write_text("being written", encoding="utf-8")
    other = small / f".other.csv.{int(dead.stdout)}.0badc0de.part"  # another output's: kept
    other.write_text("not ours", encoding="utf-8")
    report = validate_csv(small / "a.csv", output=small / "out.csv")
    assert report.rows == 2
    assert not stale.exists()
    assert running.exists()
    assert other.exists()
    assert sorted(p.name for p in small.glob(".out.csv.*")) == [running.name]


def test_a_killed_run_leaves_a_part_that_the_next_run_clears(small: Path) -> None:
    lines = ["cas"] + ["64-17-5"] * 400_000
    (small / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, os, registry.bulk.writing as w\n"
            "from registry.bulk.pipeline import validate_csv\n"
            "original = w.Writer.frame\n"
            "def frame(self, *a):\n"
            "    original(self, *a)\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "w.Writer.frame = frame\n"
            "validate_csv('big.csv', output='out.csv', chunk_rows=1000)\n",
        ],
        cwd=small,
    )
    assert child.wait(timeout=120) == -9
    assert len(list(small.glob(".out.csv.*.part"))) == 1
    validate_csv(small / "a.csv", output=small / "out.csv")
    assert list(small.glob(".out.csv.*.part")) == []
    assert (small / "out.csv").read_text(encoding="utf-8").count("\n") == 3


def test_a_50_mb_cell_is_capped_in_the_summary_and_memory_stays_bounded(tmp_path: Path) -> None:
    huge = "7" * 50_000_000
    (tmp_path / "huge.csv").write_text(f"cas\n50-78-2\n{huge}\n64-17-5\n", encoding="utf-8")
    # Peaks are VmHWM (KiB): unlike ru_maxrss, it starts afresh at exec, so a child forked
    # from a large pytest process does not inherit the parent's size.
    peak = "int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    (tmp_path / "read.py").write_text(
        f"import polars as pl\npl.read_csv('huge.csv', infer_schema=False)\nprint({peak})\n"
    )
    code = (
        "import json, subprocess, sys\n"
        "from registry.bulk.pipeline import validate_csv\n"
        "read = subprocess.run([sys.executable, 'read.py'], capture_output=True, text=True,"
        " check=True)\n"
        "r = validate_csv('huge.csv')\n"
        "print(json.dumps({'rows': r.rows, 'value': r.problems[0].value,"
        " 'status': r.problems[0].status,"
        f" 'read': int(read.stdout), 'peak': {peak}}}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows"] == 3
    assert result["status"] == "invalid-format"
    assert result["value"] == "7" * MOST_SHOWN + "… (50,000,000 characters in all)"
    # KiB: within a small multiple of what polars alone needs to read the file (was 730-830 MB).
    assert result["peak"] < 3 * result["read"], result
    run = _cli("huge.csv", "--no-cross-check", cwd=tmp_path)
    assert run.returncode == 1
    assert len(run.stdout) < 20_000  # the summary, not 50 MB of sevens
    assert "(50,000,000" in run.stdout  # the table wraps the capped value, cut past 8 lines
    as_json = _cli("huge.csv", "--no-cross-check", "--format", "json", cwd=tmp_path)
    (summary,) = json.loads(as_json.stdout)
    assert len(as_json.stdout) < 20_000
    assert summary["problems"][0]["reason"] == "50,000,000 characters: far too long for a CAS cell"
    assert summary["problems"][0]["value"].endswith("… (50,000,000 characters in all)")


def test_validate_many_answers_a_lone_surrogate_and_any_object() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no text for you")

    values: list[object] = ["\udc80", "50-78-2\udc80", "64-17-5", object(), Hostile(), math.inf]
    results = validate_many(values)
    assert len(results) == len(values)
    assert [r.status.value for r in results] == [
        "invalid-format",
        "invalid-format",
        "valid",
        "invalid-format",
        "invalid-format",
        "invalid-format",
    ]
    assert results[0].input == "\udc80"
    assert results[1].input == "50-78-2\udc80"
    assert results[0].reason == "contains characters a CAS number cannot have: '\\udc80'"
    assert results[1:2][0].input == "50-78-2\udc80"  # a slice keeps the inputs as given
    assert results[-6].input == "\udc80"
    assert results[4].input == "<Hostile>"
    big = validate_many(["64-17-5"] * 60_000 + ["\udc80"] + ["50-78-2"] * 60_000)
    assert big[60_000].input == "\udc80"
    assert big[60_000].status.value == "invalid-format"
    assert big.counts() == {"valid": 120_000, "invalid-format": 1}


def test_peak_memory_helper_is_kibibytes() -> None:
    # ru_maxrss is KiB on Linux, which the 50 MB test's bound assumes.
    assert sys.platform != "linux" or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 10_000


@pytest.mark.parametrize("engine", ["csv", "polars"])
def test_a_cell_beyond_the_csv_modules_field_limit_is_one_row(tmp_path: Path, engine: str) -> None:
    source = tmp_path / "long.csv"
    source.write_text("cas\n64-17-5\n" + "1" * 200_000 + "\n50-78-2\n", encoding="utf-8")
    report = validate_csv(source, engine=engine)  # type: ignore[arg-type]
    assert report.rows == 3
    assert report.settings["engine"] == engine
    assert [(p.row, p.status, p.reason) for p in report.problems] == [
        (3, "invalid-format", "200,000 characters: far too long for a CAS cell")
    ]
