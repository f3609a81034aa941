"""DataFrames in, DataFrames out (issue 21): the frame library of the input, the same columns
in pandas and polars, flat cells, and missing values as ``empty`` in every batch call."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import registry
from registry.bulk import classify_cell
from registry.bulk.columns import COLUMNS
from registry.chem import descriptors
from registry.config import Settings
from registry.frames import build, chosen, is_missing, library_of
from registry.models import (
    Candidate,
    CasEntry,
    CasNumber,
    Compound,
    CompoundList,
    LookupResult,
    LookupResults,
    SearchHit,
    SearchResults,
)
from registry.service import Registry

MISSING: list[object] = [None, math.nan, np.nan, pd.NA, pd.NaT, np.float64("nan")]


def _values(frame: Any) -> list[list[Any]]:
    """A frame's rows as plain lists, missing cells as None (pandas or polars)."""
    if isinstance(frame, pl.DataFrame):
        return [list(row) for row in frame.iter_rows()]
    return [[None if _blank(v) else v for v in row] for row in frame.itertuples(index=False)]


def _blank(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list cell
        return False


def _plain(value: object) -> object:
    return value.tolist() if hasattr(value, "tolist") else value


# --- the rule -----------------------------------------------------------------------------------


def test_the_library_follows_the_input_and_frame_chooses() -> None:
    assert library_of(pd.Series(["a"])) == "pandas"
    assert library_of(pl.Series(["a"])) == "polars"
    assert library_of(["a"]) is None
    assert chosen(None, ["a"]) == "polars"
    assert chosen(None, pd.Series(["a"])) == "pandas"
    assert chosen("pandas", pl.Series(["a"])) == "pandas"
    with pytest.raises(ValueError, match="frame must be 'polars' or 'pandas', not 'arrow'"):
        chosen("arrow", [])


def test_what_is_missing() -> None:
    assert all(is_missing(value) for value in MISSING)
    assert not any(is_missing(v) for v in ("", "nan", "NA", 0, 0.0, math.inf, False, "None"))


def test_an_empty_column_is_text_and_lists_stay_lists() -> None:
    frame = build({"a": [None, None], "b": [["x"], []]}, "polars", lists=("b",))
    assert frame.schema == {"a": pl.String, "b": pl.List(pl.String)}
    as_pandas = build({"a": [None, None], "b": [["x"], []]}, "pandas", lists=("b",))
    assert list(as_pandas["b"]) == [["x"], []]
    assert list(as_pandas["a"]) == [None, None]


# --- validate_many ------------------------------------------------------------------------------

CAS_VALUES = ["50-78-2", " 7732185", "50-78-3", "n/a", "", "CAS 64-17-5"]


@pytest.mark.parametrize(
    ("values", "frame", "library"),
    [
        (CAS_VALUES, None, pl.DataFrame),
        (CAS_VALUES, "pandas", pd.DataFrame),
        (pd.Series(CAS_VALUES), None, pd.DataFrame),
        (pl.Series(CAS_VALUES), None, pl.DataFrame),
        (pd.Series(CAS_VALUES), "polars", pl.DataFrame),
    ],
    ids=["list", "list-pandas", "pandas", "polars", "pandas-polars"],
)
def test_validate_many_frames(values: Any, frame: Any, library: type) -> None:
    results = registry.validate_many(values, frame=frame)
    table = results.to_frame()
    assert isinstance(table, library)
    assert list(table.columns) == list(COLUMNS)
    assert _values(table) == _values(results.to_polars()) == _values(results.to_pandas())
    assert _values(table)[2] == [
        "50-78-3",
        None,
        "invalid-checksum",
        "check digit is 3, expected 2",
        "50-78-2",
        "",
    ]
    assert _values(table)[1][5] == "removed surrounding whitespace; inserted hyphens"
    assert results[1].normalisations == ("removed surrounding whitespace", "inserted hyphens")
    assert _values(table)[5][5] == "removed prefix 'CAS'"


def test_validate_many_frame_has_the_documented_columns_only() -> None:
    results = registry.validate_many(["50-78-2", 50782])
    assert results.frame.columns == list(COLUMNS)
    assert results.frame.schema == dict.fromkeys(COLUMNS, pl.String)
    assert results.is_valid.name == "is_valid"
    assert results.is_valid.to_list() == [True, True]
    assert results[1] == (
        "50782",
        "50-78-2",
        "number",
        "stored as the number 50782",
        None,
        (
            "read from a number",
            "inserted hyphens",
        ),
    )


@pytest.mark.parametrize(
    "column",
    [
        [*MISSING, "50-78-2"],
        pd.Series([None, math.nan, "50-78-2"]),
        pd.Series([pd.NA, "50-78-2"], dtype="string"),
        pd.Series([math.nan, 50782.0]),
        pl.Series([None, "50-78-2"]),
        pl.Series([None, 50782]),
    ],
    ids=["objects", "pandas-object", "pandas-string", "pandas-float", "polars", "polars-int"],
)
def test_missing_values_are_empty_never_nan(column: Any) -> None:
    results = registry.validate_many(column)
    statuses = results.status.to_list()
    assert statuses[:-1] == ["empty"] * (len(statuses) - 1)
    assert statuses[-1] in ("valid", "number", "invalid-length")
    table = results.to_pandas()
    assert not table.isin(["nan", "NaN", "<NA>", "NaT", "None"]).any().any()
    assert set(table["input"][:-1]) == {""}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["50-78-3", " 50782 "])), max_size=20)
)
def test_suggestion_and_verdict_are_the_cell_classifiers(values: list[str]) -> None:
    for value, result in zip(values, registry.validate_many(values), strict=True):
        cell = classify_cell(value)
        assert (result.canonical, result.status, result.reason, result.suggestion) == (
            cell.canonical,
            cell.status,
            cell.reason,
            cell.suggestion,
        )


def test_a_huge_cell_is_refused_whole_without_normalisations() -> None:
    results = registry.validate_many(["50-78-2", " " + "1" * 200_000, "7732185"])
    assert results[1].status.value == "invalid-format"
    assert results[1].reason == "200,001 characters: far too long for a CAS cell"
    assert results[1].normalisations == ()
    assert results[2].canonical == "7732-18-5"


# --- descriptors.batch --------------------------------------------------------------------------


def test_a_nan_in_a_batch_of_smiles_is_an_empty_row_not_an_exception() -> None:
    column = pd.Series(["CCO", math.nan, "C1CC", None, "  ", "c1ccccc1O"])
    rows = descriptors.batch(column.tolist())  # the list a notebook makes of a column
    assert [r.status for r in rows] == ["ok", "empty", "error", "empty", "empty", "ok"]
    assert rows[1].input == ""
    assert rows[1].error == descriptors.EMPTY
    assert rows[5].descriptors is not None
    assert rows[5].descriptors["formula"] == "C6H6O"


def test_batch_rows_of_objects_that_are_no_structure() -> None:
    rows = descriptors.batch([1.5, pd.NA, 7])
    assert [(r.input, r.status) for r in rows] == [("1.5", "error"), ("", "empty"), ("7", "error")]
    assert rows[0].error == "TypeError: not a structure: float"


@pytest.mark.parametrize(
    ("values", "frame", "library"),
    [
        (["CCO", None], None, pl.DataFrame),
        (["CCO", None], "pandas", pd.DataFrame),
        (pd.Series(["CCO", None]), None, pd.DataFrame),
        (pl.Series(["CCO", None]), None, pl.DataFrame),
    ],
    ids=["list", "list-pandas", "pandas", "polars"],
)
def test_descriptor_frames(values: Any, frame: Any, library: type) -> None:
    rows = descriptors.batch(values, names=["ethanol", None], frame=frame)
    table = rows.to_frame()
    assert isinstance(table, library)
    head = ["input", "name", "status", "error", "smiles", "on", "rdkit_version"]
    assert list(table.columns) == [*head, *descriptors.DEFAULT_PROFILE, "lipinski", "veber"]
    assert list(rows.to_pandas().columns) == rows.to_polars().columns
    first, second = _values(rows.to_polars())
    assert first[:6] == ["CCO", "ethanol", "ok", None, "CCO", "parent"]
    assert first[7:10] == [
        pytest.approx(46.069, abs=1e-3),
        pytest.approx(46.0419, abs=1e-4),
        "C2H6O",
    ]
    assert first[-2:] == [True, True]
    assert second[:4] == ["", "", "empty", descriptors.EMPTY]
    assert set(second[4:]) == {None}


def test_batch_progress_true_draws_a_bar_and_a_callback_hears_every_row(
    capsys: pytest.CaptureFixture[str],
) -> None:
    heard: list[tuple[int, int]] = []
    descriptors.batch(["CCO", "CC", "C"], progress=lambda d, t: heard.append((d, t)), workers=1)
    assert heard == [(1, 3), (2, 3), (3, 3)]
    descriptors.batch(["CCO", "CC"], progress=True, workers=1)
    drawn = capsys.readouterr().err
    assert "descriptors: 100%" in drawn
    assert "2/2" in drawn
    with pytest.raises(TypeError, match="progress must be True, False, None or a callable"):
        descriptors.batch(["CCO"], progress="yes")  # type: ignore[arg-type]


# --- lookup_many --------------------------------------------------------------------------------


def test_lookup_many_frames_one_row_per_candidate_with_its_query(settings: Settings) -> None:
    offline = settings.replace(offline=True)
    column = pd.Series(["caffeine", None, "50-78-3", "no such compound xyz"])
    results = registry.lookup_many(column, offline)
    assert [r.status for r in results] == ["found", "empty", "invalid-checksum", "not found"]
    table = results.to_frame()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == list(results.to_polars().columns)
    rows = results.to_polars().rows(named=True)
    assert [r["query"] for r in rows] == ["caffeine", "", "50-78-3", "no such compound xyz"]
    caffeine = rows[0]
    assert (caffeine["source"], caffeine["cid"], caffeine["formula"]) == (
        "reference",
        2519,
        "C8H10N4O2",
    )
    assert caffeine["cas"].startswith("58-08-2 (primary); ")
    assert caffeine["cas_numbers"][0] == "58-08-2"
    assert rows[2]["suggestions"].split("; ")[0] == "50-78-2"
    assert rows[1]["kind"] == "empty"
    assert rows[1]["source"] is None
    assert isinstance(registry.lookup_many(["caffeine"], offline).to_frame(), pl.DataFrame)
    assert isinstance(
        registry.lookup_many(pl.Series(["caffeine"]), offline).to_frame(), pl.DataFrame
    )


def test_lookup_many_progress(settings: Settings) -> None:
    heard: list[tuple[int, int]] = []
    texts = ["caffeine"] * 150 + [None]
    results = registry.lookup_many(
        texts, settings.replace(offline=True), progress=lambda d, t: heard.append((d, t))
    )
    assert heard == [(100, 151), (151, 151)]
    assert len(results) == 151
    assert results[-1].status == "empty"


def test_lookup_results_rows_are_flat() -> None:
    candidate = Candidate(
        "reference",
        "2026-01-01",
        "aspirin",
        (CasNumber("50-78-2", "primary"), CasNumber("11126-35-5", "synonym", False)),
        cid=2244,
    )
    results = LookupResults([LookupResult("aspirin", "name", (candidate, candidate))])
    frame = results.to_polars()
    assert frame.height == 2
    assert frame["cas"].to_list() == ["50-78-2 (primary); 11126-35-5 (synonym)"] * 2
    assert frame["cas_numbers"].to_list()[0] == ["50-78-2", "11126-35-5"]
    assert frame.schema["cid"] == pl.Int64
    empty = LookupResults([]).to_polars()
    assert empty.height == 0
    assert empty.schema["cid"] == pl.Int64


# --- the registry's own results -----------------------------------------------------------------


@pytest.fixture
def small_registry(tmp_path: Path) -> Any:
    reg = Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", seed=False)
    reg.add("CC(=O)Oc1ccccc1C(=O)O", name="aspirin", cas=[CasEntry("50-78-2", "parent")])
    reg.add("CCO", name="ethanol", cas=["64-17-5"])
    yield reg
    reg.close()


def test_registry_results_keep_pandas_from_to_frame_and_offer_polars(small_registry: Any) -> None:
    listed = small_registry.list_compounds()
    assert isinstance(listed.to_frame(), pd.DataFrame)
    polars_list = listed.to_polars()
    assert polars_list.columns == [
        "registry_id", "name", "formula", "cas", "cas_numbers", "parent_id", "inchikey", "smiles",
    ]  # fmt: skip
    assert list(listed.to_pandas().columns) == polars_list.columns
    assert polars_list["cas"].to_list() == ["50-78-2 (parent)", "64-17-5 (parent)"]
    assert polars_list["cas_numbers"].to_list() == [["50-78-2"], ["64-17-5"]]
    hits = small_registry.search("aspirin")
    assert isinstance(hits.to_frame(), pd.DataFrame)
    assert hits.to_polars().select("name", "matched").rows() == [("aspirin", "name: aspirin")]
    none = small_registry.search("nothing like it")
    assert none.to_polars().schema["score"] == pl.Float64
    assert list(none.to_frame().columns) == none.to_polars().columns
    aspirin = small_registry.get("aspirin")
    assert _values(aspirin.to_polars()) == _values(aspirin.to_frame())
    assert ["cas", "50-78-2", "parent"] in [row[:3] for row in _values(aspirin.to_polars())]


def test_model_frames_without_a_database() -> None:
    compound = Compound("REG-000001", "x", "C", cas=(CasEntry("50-00-0", "parent"),))
    assert CompoundList([compound]).to_polars()["cas"].to_list() == ["50-00-0 (parent)"]
    hits = SearchResults([SearchHit("REG-000001", "x", "name: x", None, "C")])
    assert _values(hits.to_pandas()) == [["REG-000001", "x", "name: x", None, "C"]]
    assert _plain(hits.to_polars()["score"].dtype) == pl.Float64


def test_a_missing_cas_number_is_no_entry_not_the_text_nan(small_registry: Any) -> None:
    compound = small_registry.add(
        "CCN",
        name="ethylamine",
        cas=[CasEntry(math.nan, "parent"), math.nan, pd.NA, "", "75-04-7"],  # type: ignore[arg-type]
    )
    assert [(e.number, e.role) for e in compound.cas] == [("75-04-7", "parent")]
