"""Tables fit the terminal (issue 21, item 6): long cells wrap, the last columns give way with a
note, ``--wide`` shows everything, JSON and CSV are never cut."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from registry.cli import app
from registry.cli.output import UNKNOWN_WIDTH, OutputFormat, Tables, render

runner = CliRunner()
WORDS = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
CELLS = st.lists(WORDS, max_size=12).map(" ".join)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headers=st.lists(
        st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=12),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    data=st.data(),
    width=st.integers(40, 240),
)
def test_every_table_fits_its_width(
    headers: list[str], data: st.DataObject, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = data.draw(
        st.lists(st.fixed_dictionaries(dict.fromkeys(headers, CELLS)), min_size=1, max_size=6)
    )
    monkeypatch.setenv("COLUMNS", str(width))
    Tables.whole = False
    table = render(rows, OutputFormat.table, headers)
    assert max(len(line) for line in table.splitlines()) <= width
    assert table.splitlines()[0].split()[0] == headers[0]  # the first column always stays


def test_unknown_width_is_a_hundred_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    rows = [{"a": "x " * 150, "b": "y"}]
    table = render(rows, OutputFormat.table, ["a", "b"])
    assert UNKNOWN_WIDTH == 100
    assert max(len(line) for line in table.splitlines()) <= 100
    assert table.count("x") == 150  # wrapped, nothing cut


def test_lookup_fits_and_wide_shows_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("REGISTRY_OFFLINE", "1")
    queries = ["caffeine", "50-78-2", "milnacipran"]
    narrow = runner.invoke(app, ["lookup", *queries])
    assert narrow.exit_code == 0, narrow.output
    assert max(len(line) for line in narrow.output.splitlines()) <= 100
    assert "RYYVLZVUVIJVGH-UHFFFAOYSA-N" in narrow.output  # identifiers are never broken
    whole = runner.invoke(app, ["--wide", "lookup", *queries])
    assert whole.exit_code == 0
    assert max(len(line) for line in whole.output.splitlines()) > 100
    assert "58-08-2 (primary); 71701-02-5 (synonym); 95789-13-2 (synonym)" in whole.output
    data = json.loads(runner.invoke(app, ["lookup", *queries, "--format", "json"]).output)
    assert data[0]["cas"] == ["58-08-2 (primary)", "71701-02-5 (synonym)", "95789-13-2 (synonym)"]


def test_a_note_names_the_columns_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    Tables.whole = False
    rows = [{"name": "aspirin", "inchikey": "BSYNRYMUTXBXSQ-UHFFFAOYSA-N", "cid": "2244"}]
    table = render(rows, OutputFormat.table, ["name", "inchikey", "cid"])
    assert table.splitlines()[0].split() == ["name", "inchikey"]
    assert " ".join(table.splitlines()[-2:]) == (
        "(1 column not shown: cid; registry --wide ... or --format json shows all)"
    )
    assert render(rows, OutputFormat.csv, ["name", "inchikey", "cid"]).splitlines()[1] == (
        "aspirin,BSYNRYMUTXBXSQ-UHFFFAOYSA-N,2244"
    )


def test_cells_that_read_as_booleans_wrap_like_any_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    Tables.whole = False
    table = render([{"flag": "True", "text": "word " * 40}], OutputFormat.table, ["flag", "text"])
    assert table.splitlines()[2].split()[:3] == ["True", "word", "word"]
    assert table.count("word") == 40
    assert max(len(line) for line in table.splitlines()) <= 60
