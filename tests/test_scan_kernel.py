"""The first pass over a column (``registry/bulk/scan.py``): the compiled kernel
(``registry/bulk/_scan.c``) and its polars twin apply :mod:`registry.cas`'s rule, and agree on
every text.

Tests that need the kernel skip where no C compiler exists (the kernel is optional there) and
fail where a compiler exists but the kernel was not built.
"""

from __future__ import annotations

import csv
import ctypes
import importlib
import os
import random
import shlex
import shutil
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from registry import cas
from registry.bulk import classify_cells, validate_many
from registry.bulk import scan as bulk_scan
from registry.cas import CasStatus

DATA = Path(__file__).resolve().parent / "data"


def _c_compiler() -> str | None:
    """The C compiler setuptools would build the kernel with (``CC``, else the one Python was
    built with), when it is on PATH."""
    words = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "")
    return shutil.which(words[0]) if words else None


@pytest.fixture
def kernel() -> ModuleType:
    """The compiled kernel; skips where it cannot have been built, fails where it should be."""
    if bulk_scan.compiled():
        return importlib.import_module("registry.bulk._scan")
    if _c_compiler() is None:
        pytest.skip(
            "no C compiler on PATH (CC, or sysconfig's CC): the optional compiled kernel "
            "registry.bulk._scan cannot be built here; its polars twin is tested instead"
        )
    pytest.fail(
        f"a C compiler ({_c_compiler()}) is on PATH but registry.bulk._scan is not built: "
        "run `python setup.py build_ext --inplace` or reinstall with `pip install -e .`"
    )


@pytest.fixture
def polars_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first pass without the kernel, as where the package was built without a compiler."""
    monkeypatch.setattr(bulk_scan, "_scan", None)


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


def _code_by_cas(text: str | None) -> int:
    """What the first pass must say of ``text``, from :func:`registry.cas.check` alone."""
    if text is None:
        return 0
    result = cas.check(text, strict=True)  # judges the check digit of canonical text only
    if result.status is CasStatus.VALID:
        return 1 + 11 * int(text[-1])
    if result.status is CasStatus.INVALID_CHECKSUM:
        assert result.expected_check_digit is not None
        return 1 + 10 * int(text[-1]) + result.expected_check_digit
    return 0


def _numbers(count: int, seed: int) -> Iterator[str]:
    """Texts of the shape ``D{1,7}-DD-D``, leading zeros and any check digit included."""
    rng = random.Random(seed)
    for _ in range(count):
        first = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 7)))
        yield f"{first}-{rng.randint(0, 99):02d}-{rng.randint(0, 9)}"


# --- the rule is cas's ---------------------------------------------------------------------


def test_polars_twin_computes_cas_check_digits() -> None:
    """``with_check_digits`` on 20,000 generated numbers (leading zeros kept) gives the check
    digit ``cas.calc_check_digit`` gives for the same body."""
    texts = list(_numbers(20_000, seed=11))
    frame = bulk_scan.with_check_digits(pl.LazyFrame({"text": texts}), "text").collect().to_dicts()
    for text, row in zip(texts, frame, strict=True):
        assert row["shaped"], text
        assert row["expected"] == int(cas.calc_check_digit(text[:-2])), text
        assert row["found"] == int(text[-1]), text
    unshaped = ["50-78", "5078-2", "50-78-2x", "1-2-3-4", "12345678-90-1", "50--78-2", "", "é-78-2"]
    shaped = bulk_scan.with_check_digits(pl.LazyFrame({"text": unshaped}), "text").collect()
    assert not shaped.get_column("shaped").any()


@pytest.mark.usefixtures("polars_only")
def test_polars_codes_follow_cas_check() -> None:
    texts = [*_numbers(20_000, seed=12), *_generated(20_000, seed=13)]
    codes = bulk_scan.canonical_codes(pl.Series(texts, dtype=pl.String)).to_list()
    assert codes == [_code_by_cas(text) for text in texts]


def test_kernel_codes_follow_cas_check(kernel: ModuleType) -> None:
    texts = [*_numbers(20_000, seed=12), *_generated(20_000, seed=13)]
    codes = bulk_scan.canonical_codes(pl.Series(texts, dtype=pl.String)).to_list()
    assert codes == [_code_by_cas(text) for text in texts]


def test_kernel_takes_its_weights_from_cas(kernel: ModuleType) -> None:
    """The kernel has no weights of its own: other weights give other check digits."""
    text = pl.Series(["1234567-89-0"])
    ones = pl.Series(
        bulk_scan.ArrowArray(kernel.canonical_codes(text.__arrow_c_stream__(), 1, (1,) * 9))
    )
    # 1+2+...+9 = 45 with every weight 1: expected 5, found 0.
    assert ones.to_list() == [1 + 0 + 5]
    for wrong in ((1,) * 8, (1,) * 10, (10,) * 9, (-1,) * 9, "123456789"):
        with pytest.raises((ValueError, TypeError)):
            kernel.canonical_codes(text.__arrow_c_stream__(), 1, wrong)


# --- the kernel and its twin agree ----------------------------------------------------------


def test_the_kernel_is_built(kernel: ModuleType) -> None:
    """An install with a C compiler (as CI and the README's commands have) builds it."""
    assert bulk_scan.compiled()


@pytest.mark.parametrize("index", range(7))
def test_kernel_and_expressions_agree(
    index: int, kernel: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    column = _columns()[index]
    compiled, cells = bulk_scan.canonical_codes(column), classify_cells(column)
    monkeypatch.setattr(bulk_scan, "_scan", None)
    expressions = bulk_scan.canonical_codes(column)
    assert compiled.dtype == expressions.dtype == pl.UInt8
    assert compiled.len() == column.len()
    assert compiled.to_list() == expressions.to_list()
    assert cells.height == column.len()
    assert cells.equals(classify_cells(column))


@pytest.mark.parametrize("engine", ["kernel", "polars"])
def test_generated_texts_reach_every_verdict(engine: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("kernel" if engine == "kernel" else "polars_only")
    codes = set(bulk_scan.canonical_codes(_columns()[0]).to_list())
    found_expected = {divmod(code - 1, 10) for code in codes - {0}}
    assert 0 in codes
    assert len(found_expected) == 100  # every pair of check digit found and expected


@pytest.mark.parametrize("engine", ["kernel", "polars"])
def test_verdicts(engine: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("kernel" if engine == "kernel" else "polars_only")
    codes = bulk_scan.canonical_codes(
        pl.Series(["50-78-2", "50-78-3", "050-78-2", "7732185", "1234567-89-0", "x", None])
    )
    # 1 + 10 * found + expected; 0 where the text is not in canonical form.
    assert codes.to_list() == [1 + 20 + 2, 1 + 30 + 2, 0, 0, 1 + 0 + 5, 0, 0]
    # The cells: canonical forms worded from the codes, the others from what polars and
    # Python said of them.
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


def test_whole_results_same_without_the_kernel(
    kernel: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = pl.Series([v for column in _columns() for v in column.to_list()], dtype=pl.String)
    many, cells = validate_many(texts).frame, classify_cells(texts)
    monkeypatch.setattr(bulk_scan, "_scan", None)
    assert validate_many(texts).frame.equals(many)
    assert classify_cells(texts).equals(cells)


def test_kernel_rejects_what_it_cannot_read(kernel: ModuleType) -> None:
    weights = cas.WEIGHTS

    def stream(*texts: str) -> object:
        return pl.Series(texts, dtype=pl.String).__arrow_c_stream__()

    with pytest.raises(TypeError, match="string views"):
        kernel.canonical_codes(pl.Series([1, 2]).__arrow_c_stream__(), 2, weights)
    consumed = stream("50-78-2")
    kernel.canonical_codes(consumed, 1, weights)
    with pytest.raises(ValueError, match="already consumed"):
        kernel.canonical_codes(consumed, 1, weights)
    with pytest.raises(ValueError, match="PyCapsule"):
        kernel.canonical_codes(object(), 1, weights)
    for wrong in (1, 3):
        with pytest.raises(ValueError, match="length given"):
            kernel.canonical_codes(stream("a", "b"), wrong, weights)


# --- polars' allocator ------------------------------------------------------------------------


def _capsule(name: bytes, memory: ctypes.Array[ctypes.c_char]) -> object:
    """A capsule named ``name`` around ``memory`` (both must outlive it)."""
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule: object = new(ctypes.addressof(memory), name, None)
    return capsule


def test_kernel_uses_polars_allocator_only_when_it_knows_its_layout(kernel: ModuleType) -> None:
    """Polars' allocator capsule is used only by its exact name and for a polars major whose
    layout the kernel knows; anything else leaves the C library's allocator, and columns come
    out the same. A capsule it wrongly trusted here (zeroed memory) would crash the test."""
    text = pl.Series(_generated(5_000, seed=3), dtype=pl.String)
    expected = [_code_by_cas(value) for value in text.to_list()]
    major = int(pl.__version__.split(".")[0])
    zeroed = ctypes.create_string_buffer(64)
    name = b"polars.polars._allocator"
    try:
        assert bulk_scan.use_polars_allocator() is True  # the polars this package is tested with
        assert bulk_scan.canonical_codes(text).to_list() == expected
        refused = [
            (_capsule(b"polars.polars._allocator2", zeroed), major),  # another name
            (_capsule(b"other", zeroed), major),
            (_capsule(name, zeroed), major + 1),  # a major whose layout is unknown
            (_capsule(name, zeroed), major - 1),
            (pl._allocator, 99),  # type: ignore[attr-defined]
            (object(), major),  # not a capsule
            (None, major),
        ]
        for capsule, version in refused:
            assert kernel.use_allocator(capsule, version) is False
            assert bulk_scan.canonical_codes(text).to_list() == expected
            assert classify_cells(text).height == text.len()
    finally:
        bulk_scan.use_polars_allocator()
