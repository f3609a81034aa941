"""The compiled first pass (``registry/_scan.c``) must agree with its polars twin on every text."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import polars as pl
import pytest

from registry.bulk import classify_cells, validate_many
from registry.bulk import columns as bulk

DATA = Path(__file__).resolve().parent / "data"


def _generated(count: int, seed: int) -> list[str | None]:
    """Texts near the canonical shape (every group length, leading zeros, any check digit)
    and far from it (stray characters, multibyte ones, longer than 12 bytes, empty, null)."""
    rng = random.Random(seed)
    alphabet = "0123456789-- \t\u2013\u00e9xC"
    values: list[str | None] = [None, "", "0-00-0", "00-00-0", "10-00-0", "1234567-89-0"]
    for _ in range(count):
        kind = rng.random()
        if kind < 0.5:
            body = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 9)))
            values.append(f"{body}-{rng.randint(0, 99):02d}-{rng.randint(0, 9)}")
        elif kind < 0.9:
            values.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))))
        else:
            values.append(None)
    return values


def _real_columns() -> list[pl.Series]:
    columns = []
    for path, column, encoding in [
        (DATA / "ubiq_OEHHA_P65.csv", "CAS No.", "cp1252"),
        (DATA / "ubiq_CompTox_P65.csv", "CASRN", "utf-8-sig"),
        (DATA / "ubiq_NTP_ROC15.csv", "CASRN", "utf-8-sig"),
    ]:
        with path.open(encoding=encoding, newline="") as handle:
            rows = list(csv.reader(handle))
        header = next(i for i, row in enumerate(rows) if column in row)
        at = rows[header].index(column)
        columns.append(pl.Series([row[at] if at < len(row) else "" for row in rows[header + 1 :]]))
    return columns


def _columns() -> list[pl.Series]:
    generated = pl.Series(_generated(50_000, seed=7), dtype=pl.String)
    pieces = pl.concat([generated.slice(0, 100), generated.slice(3_000, 5_000)], rechunk=False)
    return [
        generated,
        generated.slice(1_234, 20_000),  # an array that starts at an offset
        pieces,  # several arrays
        pl.Series([], dtype=pl.String),
        *_real_columns(),
    ]


def test_the_kernel_is_built() -> None:
    """An install with a C compiler (as CI and the README's commands have) builds it."""
    assert bulk._scan is not None


@pytest.mark.parametrize("index", range(7))
def test_kernel_and_expressions_agree(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    column = _columns()[index]
    compiled, cells = bulk._canonical_codes(column), classify_cells(column)
    monkeypatch.setattr(bulk, "_scan", None)
    expressions = bulk._canonical_codes(column)
    assert compiled.dtype == expressions.dtype == pl.UInt8
    assert compiled.len() == column.len()
    assert compiled.to_list() == expressions.to_list()
    assert cells.height == column.len()
    assert cells.equals(classify_cells(column))


def test_generated_texts_reach_every_verdict() -> None:
    codes = set(bulk._canonical_codes(_columns()[0]).to_list())
    found_expected = {divmod(code - 1, 10) for code in codes - {0}}
    assert 0 in codes
    assert len(found_expected) == 100  # every pair of check digit found and expected


def test_kernel_verdicts() -> None:
    codes = bulk._canonical_codes(
        pl.Series(["50-78-2", "50-78-3", "050-78-2", "7732185", "1234567-89-0", "x", None])
    )
    # 1 + 10 * found + expected; 0 where the text is not in canonical form.
    assert codes.to_list() == [1 + 20 + 2, 1 + 30 + 2, 0, 0, 1 + 0 + 5, 0, 0]
    # The cells it makes whole: canonical forms worded from its tables, the others (inline or
    # longer than a view holds) copied from what polars and Python said of them.
    cells = classify_cells(["50-78-2", "50-78-3", "x", "1234567-89-0", "68-22-4/57-63-6", ""])
    assert cells.rows() == [
        ("50-78-2", "valid", None, None),
        (None, "invalid-checksum", "check digit is 3, expected 2", "50-78-2"),
        (None, "invalid-format", "contains letters a CAS number cannot have: 'x'", None),
        (None, "invalid-checksum", "check digit is 0, expected 5", "1234567-89-5"),
        (
            "68-22-4; 57-63-6",
            "multiple",
            "2 numbers in one cell: 68-22-4 (valid), 57-63-6 (valid)",
            None,
        ),
        (None, "empty", "empty", None),
    ]


def test_whole_results_same_without_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = pl.Series([v for column in _columns() for v in column.to_list()], dtype=pl.String)
    many, cells = validate_many(texts).frame, classify_cells(texts)
    monkeypatch.setattr(bulk, "_scan", None)
    assert validate_many(texts).frame.equals(many)
    assert classify_cells(texts).equals(cells)


def test_kernel_rejects_what_it_cannot_read() -> None:
    from registry.bulk import _scan as kernel

    def stream(*texts: str) -> object:
        return pl.Series(texts, dtype=pl.String).__arrow_c_stream__()

    with pytest.raises(TypeError, match="string views"):
        kernel.canonical_codes(pl.Series([1, 2]).__arrow_c_stream__(), 2)
    consumed = stream("50-78-2")
    kernel.canonical_codes(consumed, 1)
    with pytest.raises(ValueError, match="already consumed"):
        kernel.canonical_codes(consumed, 1)
    with pytest.raises(ValueError, match="PyCapsule"):
        kernel.canonical_codes(object(), 1)
    for wrong in (1, 3):
        with pytest.raises(ValueError, match="length given"):
            kernel.canonical_codes(stream("a", "b"), wrong)

    statuses, reasons = bulk._CELL_STATUS_TEXTS, bulk._CHECKSUM_REASONS

    def cells(
        texts: object, length: int, patch: list[object], patch_length: int
    ) -> tuple[object, ...]:
        return kernel.cell_columns(texts, length, statuses, reasons, *patch, patch_length)

    # "x" is not in canonical form: the patch must give it one row in every column.
    patch = [stream("p") for _ in range(4)]
    assert len(cells(stream("50-78-2", "x"), 2, patch, 1)) == 4
    with pytest.raises(ValueError, match="not one row per text"):
        cells(stream("x", "y"), 2, [stream("p") for _ in range(4)], 1)
    with pytest.raises(ValueError, match="length given"):
        cells(stream("x"), 1, [stream("p", "q"), *(stream("p") for _ in range(3))], 1)
    with pytest.raises(TypeError, match="string views"):
        cells(stream("x"), 1, [pl.Series([1]).__arrow_c_stream__(), *patch[1:]], 1)
    with pytest.raises(TypeError, match="tuple of 100"):
        kernel.cell_columns(stream("x"), 1, statuses, ("r",), *patch, 1)
