"""validate_many and the cell classifier: the vectorised path must equal the scalar one."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import registry
from registry import cas
from registry.bulk import CellStatus, classify_cell, classify_cells, validate_many
from registry.sources.chemicals_data import iter_pubchem_rows

# Text built from the pieces that real CAS columns are made of, so that the generated values
# hit every branch: canonical numbers, stripped hyphens, spaces, Unicode dashes, prefixes,
# placeholders, separators and words.
_PIECES = st.sampled_from(
    [
        "50-78-2",
        "50-78-3",
        "7732-18-5",
        "7732185",
        "101312-07-6",
        "0000050-78-2",
        "200-001-8",
        "1234567-89-0",
        "12345678901",
        "5078",
        "-",
        "--",
        "---",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\xa0",
        "\u2013",
        "\u200b",
        "\ufeff",
        "\x1f",
        "/",
        ",",
        ";",
        "(",
        ")",
        "CAS",
        "CAS No.",
        "cas rn:",
        "CAS-",
        "CAS Registry Number:",
        "CAS N\u00b0",
        "NA",
        "N/A",
        "none",
        "NOCAS_872425",
        "Chromium",
        "\uff15\uff10",
        "\u0665\u0660",  # Arabic-Indic digits
        "\u0967\u0968",  # Devanagari digits
        "\u0e52",  # a Thai digit
        "\u200f",  # a right-to-left mark
        "\U00010a42",  # a Kharoshthi digit, which has no decimal value
        "7",
        "0",
        "42",
    ]
)
messy = st.one_of(
    st.lists(_PIECES, max_size=5).map("".join),
    st.text(alphabet="0123456789- \t\n\xa0\u2013/,;aCS.", max_size=16),
    st.text(max_size=12),
)
numbers = st.integers(min_value=-(10**12), max_value=10**12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(messy, numbers), min_size=1, max_size=40))
def test_validate_many_equals_cas_check(values: list[str | int]) -> None:
    """One classifier: the verdict of ``classify_cell`` (what ``registry validate`` says of a
    cell), the other fields those of ``cas.check``, and all of it ``cas.check`` where the cell
    is one number given as text."""
    results = validate_many(values)
    assert len(results) == len(values)
    for value, result in zip(values, results, strict=True):
        _same_as_the_cell(value, result)


def _same_as_the_cell(value: object, result: object) -> None:
    cell = classify_cell(value)  # type: ignore[arg-type]
    check = cas.check("" if value is None else value)  # type: ignore[arg-type]
    assert result[1:5] == (  # type: ignore[index]
        cell.canonical,
        cell.status,
        cell.reason,
        cell.suggestion,
    )
    assert result.normalisations == check.normalisations  # type: ignore[attr-defined]
    if (cell.status.value, cell.reason) == (check.status.value, check.reason):
        # One number (a cell of several can share cas.check's status, not its verdict).
        assert result[:4] == check[:4]  # type: ignore[index]


def test_a_long_list_of_mixed_kinds_gives_each_value_its_own_answer() -> None:
    """A long list (past the sizes where polars switches engines), text first, then
    integers, missing values and text: every value answered as it is alone."""
    size = 100_001
    texts = ["50-78-2", "50-78-3", " 7732185", "NA", "CAS 7732-18-5", "", "Chromium (7440-47-3)"]
    others: list[str | int | None] = [50782, None, "68-22-4/57-63-6", 7732186]
    values: list[str | int | None] = [texts[i % len(texts)] for i in range(size // 2)]
    values += [others[i % len(others)] for i in range(size - len(values))]
    results = validate_many(values)
    assert len(results) == size
    expected = {repr(v): validate_many([v])[0] for v in [*texts, *others]}
    assert all(
        result == expected[repr(value)] for value, result in zip(values, results, strict=True)
    )
    for value in [*texts, *others]:
        _same_as_the_cell(value, expected[repr(value)])


@settings(max_examples=200, deadline=None)
@given(st.lists(messy, min_size=1, max_size=40))
def test_classify_cells_equals_classify_cell(values: list[str]) -> None:
    frame = classify_cells(values)
    assert frame.height == len(values)
    for value, row in zip(values, frame.iter_rows(named=True), strict=True):
        cell = classify_cell(value)
        assert (row["canonical"], row["status"], row["reason"] or "", row["suggestion"]) == (
            cell.canonical,
            cell.status.value,
            cell.reason,
            cell.suggestion,
        )


def test_accepts_polars_and_pandas_series_and_missing_values() -> None:
    values = ["50-78-2", None, " 7732185", "50-78-3"]
    expected = ["valid", "empty", "normalised", "invalid-checksum"]
    for given_values in (values, pl.Series(values), pd.Series(values)):
        assert [r.status.value for r in validate_many(given_values)] == expected
    integers = validate_many(pl.Series([50782, None, 7732185]))
    assert [r.canonical for r in integers] == ["50-78-2", None, "7732-18-5"]
    assert [r.status.value for r in integers] == ["number", "empty", "number"]
    assert integers[0].reason == "stored as the number 50782"
    with_nan = validate_many(pd.Series([50782.0, float("nan")]))
    assert [r.status.value for r in with_nan] == ["number", "empty"]


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame({"cas": ["50-78-2"]}),
        pl.DataFrame({"cas": ["50-78-2"]}).lazy(),
        pd.DataFrame({"cas": ["50-78-2"]}),
    ],
    ids=["polars", "polars-lazy", "pandas"],
)
def test_a_table_is_not_a_column(frame: object) -> None:
    library = type(frame).__module__.split(".")[0]
    with pytest.raises(TypeError) as caught:
        validate_many(frame)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"values must be one column (a list or a Series), not a {library} "
        f"{type(frame).__name__}: pass the column, e.g. frame['cas']"
    )
    # One column of it is accepted.
    assert validate_many(pd.DataFrame({"cas": ["n/a"]})["cas"])[0].status.value == "placeholder"


def test_results_as_columns() -> None:
    results = registry.validate_many(["50-78-2", "50-78-3", "50-78-2"])
    assert results.is_valid.to_list() == [True, False, True]
    assert results.counts() == {"valid": 2, "invalid-checksum": 1}
    assert results.canonical.to_list() == ["50-78-2", None, "50-78-2"]
    assert [r.input for r in results[1:]] == ["50-78-3", "50-78-2"]


def test_suggestion_is_the_first_that_cas_suggests() -> None:
    for value in ["50-78-3", "7732-18-4", "2025884", "101312-07-1"]:
        assert classify_cell(value).suggestion == cas.suggest(value)[0]


def test_real_cell_shapes() -> None:
    two = classify_cell("68-22-4/               57-63-6")
    assert two.status is CellStatus.MULTIPLE
    assert two.canonical == "68-22-4; 57-63-6"
    lines = classify_cell("50-00-0\n71-43-2")
    assert lines.status is CellStatus.MULTIPLE
    assert lines.canonical == "50-00-0; 71-43-2"
    one_bad = classify_cell("50-00-0; 71-43-3")
    assert one_bad.status is CellStatus.INVALID_CHECKSUM
    assert one_bad.suggestion == "71-43-2"
    assert classify_cell("34465-46- 8").canonical == "34465-46-8"
    for placeholder in ["---", " ---", "-", "NA", "N/A", "none", "NOCAS_872425", "\u2014"]:
        assert classify_cell(placeholder).status is CellStatus.PLACEHOLDER, placeholder
    embedded = classify_cell("Chromium (7440-47-3)")
    assert (embedded.status, embedded.canonical) == (CellStatus.EMBEDDED, "7440-47-3")
    assert classify_cell("319-85-7\xa0").status is CellStatus.NORMALISED
    assert classify_cell("542449").canonical == "542-44-9"
    assert classify_cell("").status is CellStatus.EMPTY
    number = classify_cell(7732185)
    assert (number.status, number.canonical) == (CellStatus.NUMBER, "7732-18-5")
    assert classify_cell("EC 200-001-8").status is CellStatus.INVALID_FORMAT


# Cells that the vectorised text path settles (placeholders, letters, one number in text) next
# to look-alikes it must leave to Python (several numbers, leading zeros, prefixes, quotes).
_TEXT_CELLS = [
    "NOCAS_231892",
    "  nocas-ab12 ",
    "N/A",
    "n.a.",
    "not available",
    "???",
    "see 13010-47-4 (hydrate)",
    "see 13010-47-5 (hydrate)",
    "Chromium (7440-47-3)",
    "Chromium (0007440-47-3)",
    "see 50-78-2 and 64-17-5",
    "50-78-2 / 64-17-5",
    "50-78-2;64-17-5, 7732-18-5",
    "CAS 50-78-2 (aspirin)",
    "cas: none",
    "abc 12-3 def",
    "x - 50-78-2",
    "it's 50-78-2",
    'say "50-78-2"',
    "back\\slash 50-78-2",
    "tab\t50-78-2 here",
    "50-78-2x",
    "x50-78-2",
    "1234-5-6 word",
    "word 200-001-8",
    "#",
    "-",
]


def test_text_cells_equal_classify_cell() -> None:
    cells = classify_cells(_TEXT_CELLS)
    expected = [classify_cell(value) for value in _TEXT_CELLS]
    for value, row, cell in zip(_TEXT_CELLS, cells.iter_rows(), expected, strict=True):
        assert row == (cell.canonical, cell.status.value, cell.reason or None, cell.suggestion), (
            value
        )
    results = validate_many(_TEXT_CELLS)
    for value, result in zip(_TEXT_CELLS, results, strict=True):
        _same_as_the_cell(value, result)
    assert [r.status.value for r in results] == cells["status"].to_list()
    assert cells["status"].to_list()[:3] == ["placeholder"] * 3
    assert cells["status"][6] == "embedded"
    assert cells["suggestion"][7] == "13010-47-4"


# --- the lazy fast paths on real numbers, damaged the ways real lists damage them ----------

_REAL_NUMBERS = [
    row.cas for _, row in zip(range(4000), iter_pubchem_rows(), strict=False) if row.cas
][::20]
_DAMAGES = st.sampled_from(
    [
        lambda n: n,
        lambda n: n[:-1] + str((int(n[-1]) + 3) % 10),  # a slip in the check digit
        lambda n: n[1] + n[0] + n[2:],  # two digits swapped
        lambda n: n.replace("-", ""),  # hyphens stripped
        lambda n: f" {n} ",
        lambda n: f"\t{n}\n",
        lambda n: n.replace("-", "\u2013"),
        lambda n: n.replace("-", "\u2212", 1),
        lambda n: f"CAS {n}",
        lambda n: f"CAS No. {n.replace('-', '')}",
        lambda n: " cas rn: " + n.replace("-", "\u2013"),
        lambda n: f"CAS-{n}",
        lambda n: f"see {n} (hydrate)",
        lambda n: f"{n}/ {n}",
        lambda n: f"NOCAS_{n.replace('-', '')}",
        lambda n: "00" + n,
        lambda n: n + "x",
        lambda n: "",
        lambda n: "---",
    ]
)
damaged = st.builds(lambda n, damage: damage(n), st.sampled_from(_REAL_NUMBERS), _DAMAGES)
integers = st.builds(lambda n: int(n.replace("-", "")), st.sampled_from(_REAL_NUMBERS))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(damaged, integers), min_size=1, max_size=60))
def test_damaged_real_numbers_agree_with_the_scalar_path(values: list[str | int]) -> None:
    """Every branch of the single-query fast paths (_fast_query, _plain_cells) against the
    scalar functions: valid, normalised, prefixed, number, checksum, embedded, placeholder."""
    frame = classify_cells(values)
    for value, row in zip(values, frame.iter_rows(), strict=True):
        cell = classify_cell(value)
        assert row == (cell.canonical, cell.status.value, cell.reason or None, cell.suggestion), (
            value
        )
    for value, result in zip(values, validate_many(values), strict=True):
        _same_as_the_cell(value, result)
