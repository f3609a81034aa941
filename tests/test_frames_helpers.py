"""registry.pandas (columns added to a frame), progress of the offline index build in the
library and the command line, ``registry show -f csv`` as flat text, and a validation report
that says how many problems it does not list (issue 21, issue 18 item 7)."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import math
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from store_support import cli_env
from typer.testing import CliRunner

from registry.bulk import validate_csv
from registry.cli import app
from registry.config import Settings
from registry.pandas import add_cas_checks, add_descriptors, add_lookups
from registry.progress import Stages
from registry.sources import reference
from registry.sources.reference import ReferenceIndex, build_reference

ROOT = Path(__file__).resolve().parent.parent

# --- registry.pandas ----------------------------------------------------------------------------


def test_add_cas_checks_pandas_keeps_the_index_and_the_input() -> None:
    frame = pd.DataFrame({"cas": ["50-78-3", None, "7732185"]}, index=[10, 20, 30])
    before = frame.copy()
    checked = add_cas_checks(frame)
    pd.testing.assert_frame_equal(frame, before)  # the frame given is not changed
    assert list(checked.index) == [10, 20, 30]
    assert list(checked.columns) == [
        "cas", "cas_canonical", "cas_status", "cas_reason", "cas_suggestion", "cas_normalisations",
    ]  # fmt: skip
    assert checked.loc[10, "cas_suggestion"] == "50-78-2"
    assert list(checked["cas_status"]) == ["invalid-checksum", "empty", "normalised"]
    assert checked.loc[30, "cas_canonical"] == "7732-18-5"


def test_add_cas_checks_polars_and_refusals() -> None:
    frame = pl.DataFrame({"CAS No.": ["64-17-5", None]})
    checked = add_cas_checks(frame, cas="CAS No.", prefix="check_")
    assert checked.columns == [
        "CAS No.", "check_canonical", "check_status", "check_reason", "check_suggestion",
        "check_normalisations",
    ]  # fmt: skip
    assert checked["check_status"].to_list() == ["valid", "empty"]
    with pytest.raises(ValueError, match=r"cas='cas': the frame has no such column; it has"):
        add_cas_checks(frame)
    with pytest.raises(ValueError, match="the frame already has 'check_canonical', 'check_st"):
        add_cas_checks(checked, cas="CAS No.", prefix="check_")
    with pytest.raises(TypeError, match="frame must be a pandas or polars DataFrame, not list"):
        add_cas_checks(["50-78-2"])


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_add_descriptors(library: str) -> None:
    data = {"smiles": ["CCO", math.nan if library == "pandas" else None, "C1CC"]}
    frame: Any = pd.DataFrame(data) if library == "pandas" else pl.DataFrame(data)
    described = add_descriptors(frame, workers=1)
    assert type(described) is type(frame)
    columns = list(described.columns)
    assert columns[:4] == ["smiles", "descriptors_status", "descriptors_error", "molecular_weight"]
    assert columns[-2:] == ["lipinski", "veber"]
    statuses = list(described["descriptors_status"])
    assert statuses == ["ok", "empty", "error"]
    assert list(described["formula"])[:1] == ["C2H6O"]
    assert "C1CC" in list(described["descriptors_error"])[2]


def test_add_lookups(settings: Settings) -> None:
    frame = pl.DataFrame({"name": ["caffeine", "", "50-78-3"]})
    found = add_lookups(frame, settings=settings.replace(offline=True))
    rows = found.rows(named=True)
    assert [r["lookup_status"] for r in rows] == ["found", "empty", "invalid-checksum"]
    assert (rows[0]["lookup_cid"], rows[0]["lookup_name"]) == (2519, "caffeine")
    assert rows[0]["lookup_candidates"] == 1
    assert rows[2]["lookup_suggestions"].startswith("50-78-2")
    assert found.schema["lookup_source"] == pl.String


# --- progress of the offline index build ----------------------------------------------------


class Recorder:
    """A progress callback that also hears what each stage does."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.stages: list[str] = []

    def __call__(self, done: int, total: int) -> None:
        assert total == 100
        self.counts.append(done)

    def describe(self, text: str) -> None:
        self.stages.append(text)


@pytest.fixture
def small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build from chemicals' small example table only: the same code, in a second."""
    files = [entry for entry in reference.source_files() if entry[0] == "example-user-db"]
    monkeypatch.setattr(reference, "source_files", lambda: files)


@pytest.mark.usefixtures("small_tables")
def test_the_build_says_each_stage_and_counts_to_100(tmp_path: Path) -> None:
    heard = Recorder()
    path = build_reference(Settings.from_env({}, data_dir=tmp_path), progress=heard)
    assert path.is_file()
    assert [text.split(":")[0] for text in heard.stages] == ["offline index (built once)"] * 3
    assert heard.stages[0].endswith("reading PubChem's tables")
    assert heard.stages[1].split(": ")[1].startswith("sorting ")
    assert heard.stages[2].split(": ")[1].startswith("writing ")
    assert heard.counts == sorted(set(heard.counts))
    assert heard.counts[-1] == 100
    assert len(heard.counts) > 10


@pytest.mark.usefixtures("small_tables")
def test_the_first_lookup_builds_with_progress_only_where_asked_or_watched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path / "quiet")
    assert ReferenceIndex(settings).by_name("aspirin")  # stderr is no terminal here
    assert capsys.readouterr().err == ""
    heard = Recorder()
    shown = ReferenceIndex(Settings.from_env({}, data_dir=tmp_path / "asked"), progress=heard)
    assert shown.by_name("aspirin")
    assert heard.counts[-1] == 100
    ReferenceIndex(Settings.from_env({}, data_dir=tmp_path / "bar"), progress=True).info()
    assert "offline index (built once): writing" in capsys.readouterr().err


def test_stages_move_forward_only() -> None:
    counts: list[int] = []
    stages = Stages(lambda done, total: counts.append(done))
    read = stages.reading(1000, 40)
    for _ in range(10):
        read(100)
    stages.stage(40, "next")
    list(stages.counted(list(range(7)), 60))
    stages.stage(50, "back")  # never backwards
    assert counts == sorted(set(counts))
    assert counts[-1] == 60


_SMALL_BUILD = (
    "import sys, registry.sources.reference as r\n"
    "files = [f for f in r.source_files() if f[0] == 'example-user-db']\n"
    "r.source_files = lambda: files\n"
    "from registry.cli import main\n"
    "sys.argv = ['registry', *sys.argv[1:]]\n"
    "main()\n"
)


def _build_command(tmp_path: Path, *flags: str) -> list[str]:
    return [sys.executable, "-c", _SMALL_BUILD, "reference", "build", *flags]


def test_cli_build_shows_the_bar_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    quiet = subprocess.run(
        _build_command(tmp_path), env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert quiet.stderr == ""
    assert quiet.stdout.startswith("built ")
    asked = subprocess.run(
        _build_command(tmp_path, "--progress"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "offline index (built once): reading PubChem's tables" in asked.stderr
    assert "100%" in asked.stderr
    leader, follower = pty.openpty()
    # A terminal 100 columns wide (a new pseudo-terminal has none, and a bar fits in none).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        with subprocess.Popen(
            _build_command(tmp_path), env=env, stderr=follower, stdout=subprocess.PIPE, cwd=ROOT
        ) as process:
            os.close(follower)
            seen = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                seen += chunk
            assert process.wait(timeout=120) == 0
    finally:
        os.close(leader)
    assert b"offline index (built once): writing" in seen


# --- registry show -f csv -----------------------------------------------------------------------


def test_show_csv_is_one_flat_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = CliRunner().invoke(app, ["show", "milnacipran", "-f", "csv", "--db", db])
    assert result.exit_code == 0, result.output
    assert "{" not in result.output
    (row,) = list(csv.DictReader(io.StringIO(result.output)))
    assert list(row) == [
        "registry_id", "name", "formula", "cas", "parent_id", "inchikey", "smiles",
    ]  # fmt: skip
    as_json = CliRunner().invoke(app, ["show", "milnacipran", "-f", "json", "--db", db])
    (record,) = json.loads(as_json.output)
    # Every number with its role, as the JSON holds them, in one cell.
    assert row["cas"] == "; ".join(f"{e['number']} ({e['role']})" for e in record["cas"])
    assert row["cas"].startswith("92623-85-3 (parent); 101152-94-7 (salt); 507-60-8 (unknown)")
    assert (row["registry_id"], row["name"]) == ("REG-000001", "milnacipran")


# --- a validation report's problems -------------------------------------------------------------


def test_report_says_how_many_problems_it_does_not_list(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("cas\n" + "50-78-3\n" * 25 + "50-78-2\n", encoding="utf-8")
    first = validate_csv(source)
    assert (len(first.problems), first.invalid, first.more_problems) == (20, 25, 5)
    assert first.to_dict()["more_problems"] == 5
    every = validate_csv(source, max_problems=None)
    assert (len(every.problems), every.more_problems) == (25, 0)
    assert [p.row for p in every.problems] == list(range(2, 27))
