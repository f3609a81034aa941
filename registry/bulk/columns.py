"""Many CAS numbers at once: vectorised checks and the classification of spreadsheet cells.

:func:`validate_many` gives for every value exactly what :func:`registry.cas.check` gives (same
canonical form, status and reason). Polars string expressions settle the shapes that make up
almost every real column (canonical numbers, numbers with surrounding spaces, integers whose
hyphens were stripped); only the remainder, deduplicated, goes through ``cas.check`` in Python.

:func:`classify_cells` goes one step further for cells of a file: placeholders (``---``, ``NA``,
``NOCAS_872425``), several numbers in one cell, and a number embedded in text each get their own
:class:`CellStatus`. :func:`classify_cell` is the scalar twin, used by the csv-module fallback
and by tests to prove the vectorised path right. :func:`scan_cells` and :func:`classify_scanned`
are :func:`classify_cells` in two steps, for a pipeline that runs them on different threads.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import polars as pl

from registry import cas
from registry.cas import CasCheck, CasStatus

try:
    from registry.bulk import _scan
except ImportError:  # built without a C compiler: _canonical_codes uses polars alone
    _scan = None  # type: ignore[assignment]
else:
    # Columns from polars' own allocator, which keeps freed memory for the next ones (see
    # registry/_scan.c); where this polars does not offer it, from the C library's.
    if (_polars_allocator := getattr(pl, "_allocator", None)) is not None:
        _scan.use_allocator(_polars_allocator)

__all__ = [
    "CasResults",
    "Cell",
    "CellStatus",
    "classify_cell",
    "classify_cells",
    "validate_many",
]


class CellStatus(enum.StrEnum):
    """Outcome for one cell of a file (a superset of :class:`~registry.cas.CasStatus`)."""

    VALID = "valid"
    NORMALISED = "normalised"
    MULTIPLE = "multiple"
    """Several numbers in one cell, all valid."""
    EMBEDDED = "embedded"
    """One valid number inside other text, e.g. ``Chromium (7440-47-3)``."""
    NUMBER = "number"
    """Excel stored the CAS number as a number; the digits are a valid CAS number."""
    EMPTY = "empty"
    PLACEHOLDER = "placeholder"
    """A stand-in for "no number": ``---``, ``NA``, ``none``, ``NOCAS_872425``."""
    DATE = "date"
    """Excel turned the text into a date; the number is lost."""
    INVALID_FORMAT = "invalid-format"
    INVALID_LENGTH = "invalid-length"
    INVALID_CHECKSUM = "invalid-checksum"

    @property
    def is_invalid(self) -> bool:
        """True for the statuses a data steward has to fix."""
        return self in _INVALID


_INVALID = frozenset(
    {
        CellStatus.DATE,
        CellStatus.INVALID_FORMAT,
        CellStatus.INVALID_LENGTH,
        CellStatus.INVALID_CHECKSUM,
    }
)


@dataclass(frozen=True, slots=True)
class Cell:
    """The verdict on one cell: ``canonical`` joins several numbers with ``"; "``."""

    canonical: str | None
    status: CellStatus
    reason: str
    suggestion: str | None = None


# --- validate_many -------------------------------------------------------------------------

_FAST_CANONICAL = r"^[1-9][0-9]{1,6}-[0-9]{2}-[0-9]$"
_FAST_DIGITS = r"^[1-9][0-9]{4,9}$"
# Only ASCII whitespace that Python's str.strip also removes, so both paths agree exactly.
_FAST_SPACE = " \t\r\n"


def _as_frame(values: Any) -> pl.DataFrame:
    """``values`` as a frame of ``input`` (text) and ``number`` (it was an integer)."""
    if not isinstance(values, pl.Series):
        items = values.tolist() if hasattr(values, "tolist") else list(values)
        try:  # all text (or None): polars builds the column without a Python loop
            series = pl.Series(items, dtype=pl.String, strict=True)
        except (TypeError, pl.exceptions.PolarsError):
            return _frame_from_objects(items)
        return _text_frame(series)
    series = values
    if series.dtype == pl.String:
        return _text_frame(series)
    if series.dtype.is_integer():
        return pl.DataFrame(
            {"input": series.cast(pl.String).fill_null(""), "number": series.is_not_null()}
        )
    return _frame_from_objects(series.to_list())


def _text_frame(series: pl.Series) -> pl.DataFrame:
    if series.null_count():
        series = series.fill_null("")
    return pl.DataFrame(
        [series.alias("input"), pl.repeat(False, series.len(), dtype=pl.Boolean, eager=True)],
        schema={"input": pl.String, "number": pl.Boolean},
    )


def _frame_from_objects(items: Sequence[object]) -> pl.DataFrame:
    texts: list[str] = []
    numbers: list[bool] = []
    for item in items:
        if item is None or (isinstance(item, float) and math.isnan(item)):
            texts.append("")
            numbers.append(False)
        elif isinstance(item, int) and not isinstance(item, bool):
            texts.append(str(item))
            numbers.append(True)
        elif isinstance(item, float) and item.is_integer():
            texts.append(str(int(item)))
            numbers.append(True)
        else:
            texts.append(item if isinstance(item, str) else str(item))
            numbers.append(False)
    return pl.DataFrame(
        {"input": texts, "number": numbers}, schema={"input": pl.String, "number": pl.Boolean}
    )


_STRIPPED, _INSERTED, _NUMBER, _DASHED, _PREFIXED = 1, 2, 4, 8, 16
# What cas.check reports, in its order, for each combination of the fast path's changes.
_CHANGES = {
    code: [
        text
        for bit, text in (
            (_NUMBER, "read from a number"),
            (_DASHED, "replaced Unicode dashes with hyphens"),
            (_STRIPPED, "removed surrounding whitespace"),
            (_INSERTED, "inserted hyphens"),
        )
        if code & bit
    ]
    for code in range(16)
}
_UNICODE_DASHES = list(cas._DASHES)
_PREFIX_RUST = f"(?i)^({cas._PREFIX.pattern})"
# Normalisations are kept joined by a unit separator, which no message contains.
_SEP = "\x1f"
_CHECKSUM_REASON = {
    found * 10 + expected: f"check digit is {found}, expected {expected}"
    for found in range(10)
    for expected in range(10)
}


_WORDS = pl.Array(pl.UInt32, 3)
# ``NNNNNNN-NN-N`` left-padded with "0" to 12 bytes is three big-endian 32-bit words. Per word:
# the bits that must equal the pattern (each digit's high nibble is 3, hyphens exactly), what
# carries a digit's high nibble out of 3 when its low nibble is above 9, and the digits' bits.
_WORD_MASK = (0xF0F0F0F0, 0xF0F0F0FF, 0xF0F0FFF0)
_WORD_PATTERN = (0x30303030, 0x3030302D, 0x30302D30)
_WORD_CARRY = (0x06060606, 0x06060600, 0x06060006)
_WORD_HIGH = (0xF0F0F0F0, 0xF0F0F000, 0xF0F000F0)
_WORD_DIGITS = (0x0F0F0F0F, 0x0F0F0F00, 0x0F0F0000)
# Multipliers whose product holds in byte 3 the weighted sum of the word's digits. Modulo 10
# the weights 9..1 of the body are -1..-9 counted from the left, so every byte lane of the
# products stays below 256 and no carry spoils byte 3.
_WORD_WEIGHTS = (0x04030201, 0x00070605, 0x00000908)


def _with_check_digits(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """``frame`` with ``shaped``, ``expected`` and ``found`` for text that may be ``N-NN-N``.

    ``shaped`` is true when the text, left-padded with "0" to 12 bytes, reads
    ``DDDDDDD-DD-D``; then ``expected`` is the check digit the body calls for and ``found`` the
    one present (elsewhere both mean nothing). Integer arithmetic on the bytes, a few words at
    a time: several times cheaper than a regex and a byte look-up per digit.
    """
    words = (
        pl.col(column)
        .str.pad_start(12, "0")
        .cast(pl.Binary)
        .bin.reinterpret(dtype=_WORDS, endianness="big")
    )  # null where the text is longer than 12 bytes
    oks: list[pl.Expr] = []
    sums: list[pl.Expr] = []
    for i in range(3):
        word = pl.col(f"_w{i}")
        oks.append(
            ((word & _WORD_MASK[i]) == _WORD_PATTERN[i])
            & (((word + _WORD_CARRY[i]) & _WORD_HIGH[i]) == (0x30303030 & _WORD_HIGH[i]))
        )
        sums.append(
            ((word & _WORD_DIGITS[i]).cast(pl.UInt64) * _WORD_WEIGHTS[i]) // (1 << 24) & 0xFF
        )
    return (
        frame.with_columns(_words=words)
        .with_columns(pl.col("_words").arr.get(i).alias(f"_w{i}") for i in range(3))
        .with_columns(
            shaped=(oks[0] & oks[1] & oks[2]).fill_null(False),
            expected=((1000 - (sums[0] + sums[1] + sums[2])) % 10).cast(pl.UInt8),
            found=(pl.col("_w2") & 0x0F).cast(pl.UInt8),
        )
        .drop("_words", "_w0", "_w1", "_w2")
    )


def _fast(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns for the values settled without Python; ``fast`` is False for the rest.

    ``frame`` holds few values and none in canonical form (:func:`_canonical_rows` settled
    those). The values are stripped, cleared of Unicode dashes and a ``CAS`` prefix, and tried
    as canonical numbers and as hyphen-less integers. One lazy query does it all: on these few
    rows the fixed cost of each polars call outweighs the work, so every branch is computed
    for every row rather than on filtered subsets put back in place.
    """
    return _worded_prefixes(_collect(_fast_query(frame.lazy()), frame.height))


# Below this many rows a query runs faster in the in-memory engine: the streaming engine costs
# about a millisecond to start, and its parallel pieces only pay for themselves on more rows.
_STREAMING_FROM = 10_000


def _collect(query: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """``query`` collected by the engine that is faster for about ``rows`` rows."""
    return query.collect(engine="streaming" if rows >= _STREAMING_FROM else "in-memory")


def _fast_query(frame: pl.LazyFrame) -> pl.LazyFrame:
    """:func:`_fast` as a lazy query (columns ``input`` and ``number`` in, results added),
    without the messages of values that had a prefix: :func:`_worded_prefixes` adds them."""
    stripped = pl.col("stripped")
    prefix = pl.col("prefix")
    shaped = pl.col("core").str.contains(_FAST_CANONICAL)
    digits = pl.col("core").str.contains(_FAST_DIGITS)
    hyphenated = pl.col("hyphenated")
    has_digits = hyphenated.is_not_null()
    code = pl.col("code")
    ok = pl.col("expected") == pl.col("found")
    table_code = code % 16  # the prefix bit has no table entry (see _worded_prefixes)
    return (
        frame.with_columns(
            dashed=pl.col("input").str.replace_many(_UNICODE_DASHES, ["-"] * len(_UNICODE_DASHES))
        )
        .with_columns(
            stripped=pl.col("dashed").str.strip_chars(_FAST_SPACE),
            size=pl.col("dashed").str.len_bytes(),
            was_dashed=pl.col("dashed") != pl.col("input"),
        )
        .with_columns(
            # A "CAS No." prefix, found by cas's own pattern, on printable ASCII only (where
            # Rust's and Python's ideas of whitespace agree).
            prefix=pl.when(stripped.str.contains(r"^[\x20-\x7e]*$")).then(
                stripped.str.extract(_PREFIX_RUST, 1)
            )
        )
        .with_columns(
            core=pl.when(prefix.is_not_null())
            .then(stripped.str.slice(prefix.str.len_bytes()))
            .otherwise(stripped)
        )
        .with_columns(
            hyphenated=pl.when(shaped)
            .then(pl.col("core"))
            .when(digits)
            .then(
                pl.concat_str(
                    pl.col("core").str.head(-3),
                    pl.lit("-"),
                    pl.col("core").str.slice(-3, 2),
                    pl.lit("-"),
                    pl.col("core").str.tail(1),
                )
            ),
            code=pl.when(~shaped & ~digits)
            .then(0)
            .otherwise(
                pl.when(pl.col("size") != stripped.str.len_bytes()).then(_STRIPPED).otherwise(0)
                + pl.when(prefix.is_not_null()).then(_PREFIXED).otherwise(0)
                + pl.when(digits).then(_INSERTED).otherwise(0)
                + pl.when(pl.col("number")).then(_NUMBER).otherwise(0)
                + pl.when(pl.col("was_dashed")).then(_DASHED).otherwise(0)
            )
            .cast(pl.UInt8),
        )
        .pipe(_with_check_digits, "hyphenated")
        .select(
            "input",
            "number",
            digits=hyphenated,
            empty=(pl.col("input").str.len_bytes() == 0) & ~pl.col("number"),
            # Only rows with digits have a check digit; elsewhere the bytes meant nothing.
            expected=pl.when(has_digits).then(pl.col("expected")),
            found=pl.when(has_digits).then(pl.col("found")),
            code=code,
            prefix=pl.when(has_digits).then(prefix),
        )
        .with_columns(
            fast=pl.col("digits").is_not_null() | pl.col("empty"),
            canonical=pl.when(ok).then(pl.col("digits")),
            # Messages are picked from small tables by index: gathering string views is far
            # cheaper than building strings with when/then.
            status=_STATUS_NAMES.gather(
                pl.when(pl.col("empty"))
                .then(3)
                .when(~ok)
                .then(2)
                .when(code > 0)
                .then(1)
                .otherwise(0)
            ),
            reason=_REASONS.gather(
                pl.when(pl.col("empty"))
                .then(0)
                .when(~ok)
                .then(1 + pl.col("found").cast(pl.UInt16) * 10 + pl.col("expected"))
                .otherwise(101 + table_code.cast(pl.UInt16))
            ),
            normalisations=_NORMALISATIONS.gather(table_code),
            expected_check_digit=pl.when(~ok).then(pl.col("expected")),
        )
    )


def _worded_prefixes(settled: pl.DataFrame) -> pl.DataFrame:
    """``settled`` (rows of :func:`_fast_query`) with the messages of the values that had a
    ``CAS`` prefix (column ``prefix``, then dropped with ``code``): their normalisations, and
    their reason when the number is valid, name the prefix removed.

    Few values have one, so they are worded here, on those rows only, rather than in the query
    for every row. Only the columns ``settled`` has among those two are set.
    """
    index = settled.get_column("prefix").is_not_null().arg_true()
    if index.len():
        rows = settled[index]
        code = rows.get_column("code")
        before = (code & (_DASHED | _STRIPPED)).cast(pl.UInt32)
        after = ((code & _INSERTED) > 0).cast(pl.UInt32)
        removed = pl.format("removed prefix '{}'", pl.col("prefix").str.strip_chars(" "))
        words = rows.select(
            reason=pl.when(pl.col("canonical").is_not_null())
            .then(
                pl.concat_str(
                    _PREFIX_BEFORE["; "].gather(before), removed, _PREFIX_AFTER["; "].gather(after)
                )
            )
            .otherwise(pl.col("reason")),
            normalisations=pl.concat_str(
                _PREFIX_BEFORE[_SEP].gather(before), removed, _PREFIX_AFTER[_SEP].gather(after)
            ),
        )
        settled = settled.with_columns(
            settled.get_column(name).scatter(index, words.get_column(name))
            for name in words.columns
            if name in settled.columns
        )
    return settled.drop("prefix", "code")


# What a prefixed value's messages hold before and after "removed prefix ...", by separator.
_PREFIX_BEFORE = {
    sep: pl.lit(
        pl.Series([sep.join(_CHANGES[code]) + sep if _CHANGES[code] else "" for code in range(16)])
    )
    for sep in ("; ", _SEP)
}
_PREFIX_AFTER = {sep: pl.lit(pl.Series(["", sep + "inserted hyphens"])) for sep in ("; ", _SEP)}


_STATUS_NAMES = pl.lit(
    pl.Series(
        [
            CasStatus.VALID.value,
            CasStatus.NORMALISED.value,
            CasStatus.INVALID_CHECKSUM.value,
            CasStatus.EMPTY.value,
        ]
    )
)
_REASONS = pl.lit(
    pl.Series(
        ["empty"]
        + [_CHECKSUM_REASON[i] for i in range(100)]
        # An empty reason is null: cheaper, and written as an empty field either way.
        + ["; ".join(_CHANGES[code]) or None for code in range(16)]
    )
)
_NORMALISATIONS = pl.lit(pl.Series([_SEP.join(_CHANGES[code]) for code in range(16)]))


_RESULT_SCHEMA: dict[str, Any] = {
    "input": pl.String,
    "number": pl.Boolean,
    "canonical": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "normalisations": pl.String,
    "expected_check_digit": pl.UInt8,
    "digits": pl.String,
}


def _slow_rows(checks: list[CasCheck]) -> pl.DataFrame:
    """The result columns (``_RESULT_SCHEMA`` but ``input`` and ``number``) of ``checks``."""
    return pl.DataFrame(
        {
            "canonical": [c.canonical for c in checks],
            "status": [c.status.value for c in checks],
            "reason": [c.reason or None for c in checks],
            "normalisations": [_SEP.join(c.normalisations) for c in checks],
            "expected_check_digit": [c.expected_check_digit for c in checks],
            "digits": [c.digits for c in checks],
        },
        schema={name: _RESULT_SCHEMA[name] for name in list(_RESULT_SCHEMA)[2:]},
    )


_Verdict = TypeVar("_Verdict")


def _each_once(
    frame: pl.DataFrame, index: pl.Series, judge: Callable[[str | int], _Verdict]
) -> list[_Verdict]:
    """``judge`` of the values in rows ``index`` of ``frame`` (``input``, ``number``), in order,
    called once per distinct value (lists repeat their odd values many times)."""
    inputs = frame.get_column("input").gather(index).to_list()
    numbers = frame.get_column("number").gather(index).to_list()
    keys = list(zip(inputs, numbers, strict=True))
    verdicts = {key: judge(int(key[0]) if key[1] else key[0]) for key in set(keys)}
    return [verdicts[key] for key in keys]


def _canonical_rows(text: pl.Series) -> pl.DataFrame:
    """Columns ``canonical`` (the text is a number in canonical form, checksum aside), ``ok``
    (its check digit holds), ``bad`` (canonical but the check digit fails), ``expected`` and
    ``checksum_reason`` (the index of the reason for a failed check digit in ``_REASONS``).

    This settles nearly every cell of a real column in one pass (see :func:`_canonical_codes`);
    only the other rows need the costlier normalisation.
    """
    return _code_columns(_canonical_codes(text))


def _code_columns(codes: pl.Series) -> pl.DataFrame:
    """:func:`_canonical_rows` from the codes of :func:`_canonical_codes`."""
    code = pl.col("code")
    canonical = code > 0
    found, expected = (code - 1) // 10, (code - 1) % 10
    return pl.select(code=codes).select(
        canonical=canonical,
        expected=expected,
        ok=canonical & (found == expected),
        bad=canonical & (found != expected),
        checksum_reason=code,
    )


def _canonical_codes(text: pl.Series) -> pl.Series:
    """Per text (UInt8): 0 unless it is a CAS number in canonical form, checksum aside; then
    ``1 + 10 * found + expected`` (its check digit, the one its other digits call for).

    ``registry/_scan.c`` does this in one compiled loop over the column's memory, several
    times faster than the same arithmetic as polars expressions, which is used where the
    package was built without a C compiler. The two agree on every text (tests check).
    """
    if _scan is not None:
        try:
            capsules = _scan.canonical_codes(text.__arrow_c_stream__(), text.len())
        except TypeError:  # not laid out as string views: a polars that stores text otherwise
            pass
        else:
            return pl.Series(_ArrowArray(capsules)).alias("code")
    return (
        _with_check_digits(pl.LazyFrame({"text": text}), "text")
        .select(
            code=pl.when(
                pl.col("shaped")
                & (pl.col("text").str.len_bytes() >= 7)
                & ~pl.col("text").str.starts_with("0")  # leading zeros are a normalisation
            )
            .then(1 + pl.col("found") * 10 + pl.col("expected"))
            .otherwise(0)
            .cast(pl.UInt8)
        )
        .collect(engine="streaming")
        .to_series()
        .rechunk()  # one piece, as the compiled pass gives it
    )


class _ArrowArray:
    """An Arrow array's capsules, for polars to take in by the Arrow PyCapsule interface."""

    def __init__(self, capsules: tuple[object, object]) -> None:
        self._capsules = capsules

    def __arrow_c_array__(self, requested_schema: object = None) -> tuple[object, object]:
        return self._capsules


_NO_TEXT = pl.Series([None], dtype=pl.String)
_NO_DIGIT = pl.Series([None], dtype=pl.UInt8)


def _patched(columns: pl.DataFrame, index: pl.Series, patch: pl.DataFrame) -> list[pl.Series]:
    """The columns of ``columns``, taken out of it (it is left empty), with rows ``index``
    replaced by ``patch``'s same-named ones.

    A column no frame holds any more is its own, so the scatter writes into it in place;
    scattering into a column that a frame still holds copies the whole column first (then 18%
    of the page faults of ``registry validate``, by ``perf record -e page-faults``).
    """
    series = [columns.drop_in_place(name).rechunk() for name in columns.columns]
    for column in series:
        column.scatter(index, patch.get_column(column.name))
    return series


def _check_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The full result frame (columns of ``_RESULT_SCHEMA``) for an input frame, in order."""
    text = frame.get_column("input")
    rows = _canonical_rows(text)
    ok = rows.get_column("ok")
    bad = rows.get_column("bad")
    canonical = rows.get_column("canonical")
    rest = (~canonical).arg_true()
    patch = _check_rest(frame[rest]) if rest.len() else None
    computed = rows.select(
        canonical=text.zip_with(ok, _NO_TEXT),
        # Status and reason indices into small tables: 0 valid, 2 invalid-checksum.
        status=_STATUS_NAMES.gather(pl.when(pl.col("bad")).then(2).otherwise(0)),
        reason=_REASONS.gather(pl.when(pl.col("bad")).then(pl.col("checksum_reason"))),
        normalisations=pl.lit("", dtype=pl.String),
        expected_check_digit=rows.get_column("expected").zip_with(bad, _NO_DIGIT),
        digits=text.zip_with(canonical, _NO_TEXT),
    )
    columns = computed.get_columns() if patch is None else _patched(computed, rest, patch)
    return pl.DataFrame([text, frame.get_column("number"), *columns])


def _check_rest(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_check_frame` for values that are not canonical: the full normalisation.

    One query settles the shapes :func:`_fast_query` knows; :func:`_check_slow` the rest. The
    answers go into place by row index.
    """
    settled = _fast(frame)
    slow = (~settled.get_column("fast")).arg_true()
    settled = settled.select(list(_RESULT_SCHEMA))
    if slow.len() == 0:
        return settled
    columns = _patched(settled.drop("input", "number"), slow, _check_slow(frame[slow]))
    return pl.DataFrame([settled.get_column("input"), settled.get_column("number"), *columns])


def _check_slow(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_check_frame`'s result columns (not ``input`` and ``number``) for the values
    :func:`_fast_query` leaves.

    Text that is plainly not a number (see :func:`_plain_text`) is rejected for its odd
    characters alone: its reason depends only on them, in order, so it is worded once per
    distinct run of them (a handful in a real column, however many such cells). The values
    left are checked by :func:`registry.cas.check`, once each.
    """
    left = _plain_text(frame)
    text = left.get_column("input")
    # For printable ASCII, ``cas``'s allowed characters are digits, hyphen and space.
    odd = left.get_column("stripped").str.replace_all(r"[0-9 \-]", "")
    plain = left.get_column("plain")
    reasons = {run: cas._characters_reason(run) for run in odd.filter(plain).unique()}
    checked = pl.DataFrame(
        [
            pl.repeat(None, text.len(), dtype=pl.String, eager=True).alias("canonical"),
            pl.repeat(CasStatus.INVALID_FORMAT.value, text.len(), eager=True).alias("status"),
            odd.replace_strict(reasons, default=None, return_dtype=pl.String).alias("reason"),
            pl.Series("normalisations", ["", _STRIPPED_REASON], dtype=pl.String).gather(
                (left.get_column("stripped") != text).cast(pl.UInt8)
            ),
            pl.repeat(None, text.len(), dtype=pl.UInt8, eager=True).alias("expected_check_digit"),
            pl.repeat(None, text.len(), dtype=pl.String, eager=True).alias("digits"),
        ]
    )
    others = (~plain).arg_true()
    if others.len() == 0:
        return checked
    patch = _slow_rows(_each_once(left, others, cas.check))
    return pl.DataFrame(_patched(checked, others, patch))


class CasResults(Sequence[CasCheck]):
    """The results of :func:`validate_many`, one per value, in order.

    Indexing gives a :class:`~registry.cas.CasCheck` equal to ``cas.check(value)``; the
    columns are in :attr:`frame` (a polars DataFrame) for fast whole-column work.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return CasResults(self.frame[index])
        row = self.frame.row(index, named=True)
        status = CasStatus(row["status"])
        return CasCheck(
            input=row["input"],
            canonical=row["canonical"],
            status=status,
            reason=row["reason"] or "",
            normalisations=tuple(row["normalisations"].split(_SEP))
            if row["normalisations"]
            else (),
            expected_check_digit=row["expected_check_digit"],
            digits=row["digits"],
        )

    def __iter__(self) -> Iterator[CasCheck]:
        for index in range(len(self)):
            yield self[index]

    @property
    def canonical(self) -> pl.Series:
        return self.frame.get_column("canonical")

    @property
    def status(self) -> pl.Series:
        return self.frame.get_column("status")

    @property
    def is_valid(self) -> pl.Series:
        return self.status.is_in([CasStatus.VALID.value, CasStatus.NORMALISED.value])

    def counts(self) -> dict[str, int]:
        """How many values have each status."""
        grouped = self.frame.group_by("status").len()
        return dict(zip(grouped["status"].to_list(), grouped["len"].to_list(), strict=True))


def validate_many(values: Sequence[object] | pl.Series | Any) -> CasResults:
    """Check many values at once; result ``i`` equals ``registry.cas.check(values[i])``.

    Accepts a list (of str, or int for numbers a spreadsheet kept), a pandas Series or a polars
    Series. Missing values (None, NaN, null) count as empty cells.

    >>> results = validate_many(["50-78-2", " 7732185", "50-78-3", "NA"])
    >>> [r.status.value for r in results]
    ['valid', 'normalised', 'invalid-checksum', 'invalid-format']
    >>> results[1].canonical, results[1].reason
    ('7732-18-5', 'removed surrounding whitespace; inserted hyphens')
    """
    if isinstance(values, list) and len(values) >= _HALVES_FROM:
        return CasResults(_check_in_halves(values))
    return CasResults(_check_frame(_as_frame(values)))


_HALVES_FROM = 100_000


def _check_in_halves(values: list[object]) -> pl.DataFrame:
    """:func:`_check_frame` of a long list, the second half converted while the first is checked.

    Turning Python strings into a column holds the GIL (a quarter of the time on 1M values);
    checking the column mostly runs in polars without it, so the two overlap on two cores.
    """
    half = len(values) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(_check_frame, _as_frame(values[:half]))
        second = _check_frame(_as_frame(values[half:]))
        return pl.concat([first.result(), second])


# --- text that is plainly not a number, settled without Python ------------------------------

# Printable ASCII without quotes or backslashes: Python's and Rust's ideas of whitespace and
# case agree there, and ``repr`` just wraps the text in single quotes.
_PLAIN = r"^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$"
_RUST_PLACEHOLDER = (
    "(?i)^(?:"
    + (
        r"-+|\?+|n/?a|n\.a\.?|none|nil|null|unknown|not (?:available|applicable|assigned)|"
        r"nocas(?:[_-]?[0-9a-z]+)?"
    )
    + ")$"
)
_RUNS = r"[0-9-]+"
_EMBEDDED_RUN = r"^[1-9][0-9]{1,6}-[0-9]{2}-[0-9]$"
_STRIPPED_REASON = "removed surrounding whitespace"
_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def _plain_text(frame: _Frame) -> _Frame:
    """``frame`` (``input``, ``number``) with ``stripped`` and ``plain``.

    ``plain`` marks text that :func:`registry.cas.check` rejects for its characters after
    nothing but stripping spaces: printable ASCII (see ``_PLAIN``) that does not start with a
    ``CAS`` prefix's ``c``, has no spaces around hyphens, and holds a character that no CAS
    number has. Its reason is then what ``cas._characters_reason`` says of the stripped text.
    """
    stripped = pl.col("input").str.strip_chars(" ")
    return frame.with_columns(stripped=stripped).with_columns(
        plain=~pl.col("number")
        & pl.col("input").str.contains(_PLAIN)
        & ~pl.col("stripped").str.contains(r"^[cC]| -|- ")
        & pl.col("stripped").str.contains(r"[^0-9 \-]"),
    )


def _plain_cells(plain: pl.LazyFrame) -> pl.LazyFrame:
    """What :func:`classify_cell` says about rows of :func:`_plain_text`, for the ``plain``
    ones where it can be said without Python (column ``settled``): a placeholder, or text
    around exactly one number in canonical form.

    A CAS number found in text (``_EMBEDDED``) is a whole maximal run of digits and hyphens,
    so a run is matched in full instead of using look-arounds, which Rust lacks. Cells with
    more than one such run, with nothing but numbers between separators ("several numbers"),
    with a number with leading zeros in the text, or with no number at all, are left to
    Python (the reason for text without a number lists its odd characters, which Python
    words several times faster than polars' list expressions).
    """
    stripped = pl.col("stripped")
    framed = plain.with_columns(
        placeholder=stripped.str.contains(_RUST_PLACEHOLDER),
        # Some part is not a number, so this is not "several numbers in one cell".
        worded=stripped.str.contains(r"[^0-9 /,;\-]"),
        runs=stripped.str.count_matches(_RUNS),
        inner=stripped.str.extract(f"({_RUNS})", 1),
    ).with_columns(
        # Numbers found in the text: the runs that are a whole ``N-NN-N``; with more than one
        # run, the cell is left to Python.
        count=(
            (pl.col("runs") == 1)
            & pl.col("inner").str.contains(r"^[0-9]{2,7}-[0-9]{2}-[0-9]$").fill_null(False)
        ).cast(pl.UInt32),
    )
    # The check digits of the run (of "" where there is none), all in the same query.
    framed = (
        framed.with_columns(inner_text=pl.col("inner").fill_null(""))
        .pipe(_with_check_digits, "inner_text")
        .with_columns(
            inner_ok=pl.col("expected") == pl.col("found"),
            inner_expected=pl.col("expected").cast(pl.String),
            inner_found=pl.col("found").cast(pl.String),
            canonical_inner=pl.col("inner_text").str.contains(_EMBEDDED_RUN),
        )
    )
    one = pl.col("count") == 1
    return framed.select(
        settled=pl.col("plain")
        & (pl.col("placeholder") | (pl.col("worded") & one & pl.col("canonical_inner"))),
        canonical=pl.when(~pl.col("placeholder") & one & pl.col("inner_ok")).then("inner"),
        status=pl.when(pl.col("placeholder"))
        .then(pl.lit(CellStatus.PLACEHOLDER.value))
        .when(pl.col("inner_ok"))
        .then(pl.lit(CellStatus.EMBEDDED.value))
        .otherwise(pl.lit(CellStatus.INVALID_CHECKSUM.value)),
        reason=pl.when(pl.col("placeholder"))
        .then(pl.format("placeholder '{}'", stripped))
        .when(pl.col("inner_ok"))
        .then(pl.format("found {} in text", pl.col("inner")))
        .otherwise(
            pl.format(
                "in text: check digit is {}, expected {}",
                pl.col("inner_found"),
                pl.col("inner_expected"),
            )
        ),
        suggestion=pl.when(~pl.col("placeholder") & one & ~pl.col("inner_ok")).then(
            pl.concat_str(pl.col("inner").str.head(-1), pl.col("inner_expected"))
        ),
    )


# --- cells of a file -----------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"-+|\?+|n/?a|n\.a\.?|none|nil|null|unknown|not (?:available|applicable|assigned)|"
    r"nocas(?:[_-]?[0-9a-z]+)?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[/,;\s]+")
_NUMBERISH = re.compile(r"[0-9][0-9-]*[0-9]").fullmatch
_EMBEDDED = re.compile(r"(?<![0-9-])[0-9]{2,7}-[0-9]{2}-[0-9](?![0-9-])")


def _suggestion(check: CasCheck) -> str | None:
    """The likeliest intended number: the same digits with the check digit corrected."""
    if check.status is CasStatus.INVALID_CHECKSUM and check.digits is not None:
        return f"{check.digits[:-1]}{check.expected_check_digit}"
    return None


def _from_check(check: CasCheck) -> Cell:
    return Cell(check.canonical, CellStatus(check.status.value), check.reason, _suggestion(check))


def _several(parts: list[str], how: str) -> Cell:
    checks = [cas.check(part) for part in parts]
    described = ", ".join(
        f"{c.canonical} (valid)" if c.is_valid else f"{c.input} ({c.reason})" for c in checks
    )
    canonical = "; ".join(c.canonical for c in checks if c.canonical is not None) or None
    reason = f"{len(checks)} numbers {how}: {described}"
    bad = next((c for c in checks if not c.is_valid), None)
    if bad is None:
        return Cell(canonical, CellStatus.MULTIPLE, reason)
    suggestion = "; ".join(s for s in (_suggestion(c) for c in checks) if s) or None
    return Cell(canonical, CellStatus(bad.status.value), reason, suggestion)


def _beyond_format(text: str, check: CasCheck) -> Cell:
    """A cell that is not one CAS number: placeholder, several numbers, or text around one."""
    compact = cas.compact(text)
    if _PLACEHOLDER.fullmatch(compact):
        return Cell(None, CellStatus.PLACEHOLDER, f"placeholder {compact!r}")
    parts = [p for p in _SEPARATORS.split(compact) if p]
    if len(parts) > 1 and all(_NUMBERISH(p) for p in parts):
        return _several(parts, "in one cell")
    found = _EMBEDDED.findall(compact)
    if len(found) > 1:
        return _several(found, "in text")
    if len(found) == 1:
        inner = cas.check(found[0])
        if inner.is_valid:
            return Cell(inner.canonical, CellStatus.EMBEDDED, f"found {inner.canonical} in text")
        return Cell(
            None, CellStatus(inner.status.value), f"in text: {inner.reason}", _suggestion(inner)
        )
    return _from_check(check)


def classify_cell(value: str | int | None) -> Cell:
    """The verdict on one cell of a file (scalar twin of :func:`classify_cells`).

    >>> classify_cell("68-22-4/   57-63-6").canonical
    '68-22-4; 57-63-6'
    >>> classify_cell("NOCAS_872425").status.value, classify_cell("Chromium (7440-47-3)").canonical
    ('placeholder', '7440-47-3')
    """
    if value is None:
        value = ""
    check = cas.check(value)
    if check.status is CasStatus.INVALID_FORMAT and isinstance(value, str):
        return _beyond_format(value, check)
    cell = _from_check(check)
    if isinstance(value, int) and check.is_valid:
        return Cell(cell.canonical, CellStatus.NUMBER, f"stored as the number {value}")
    return cell


_CELL_STATUS_TEXTS = (CellStatus.VALID.value, CellStatus.INVALID_CHECKSUM.value)
_CELL_STATUS_NAMES = pl.lit(pl.Series(_CELL_STATUS_TEXTS, dtype=pl.String))


def classify_cells(values: Sequence[object] | pl.Series) -> pl.DataFrame:
    """Columns ``canonical``, ``status``, ``reason``, ``suggestion`` for each cell, in order.

    Row ``i`` holds what :func:`classify_cell` says about ``values[i]``; an empty reason and a
    missing canonical form or suggestion are null.
    """
    return classify_scanned(scan_cells(values))


class CellScan(NamedTuple):
    """The first pass of :func:`classify_cells` over a column (see :func:`scan_cells`)."""

    frame: pl.DataFrame
    """``input`` (text) and ``number`` (the value was an integer)."""
    codes: pl.Series
    """What :func:`_canonical_codes` says of every value."""
    rest: pl.Series
    """The rows of the values not in canonical form, left for :func:`classify_scanned`."""
    cells: pl.DataFrame | None
    """Without the compiled pass: the result columns, right for the values in canonical form."""


def scan_cells(values: Sequence[object] | pl.Series) -> CellScan:
    """The first pass of :func:`classify_cells`: which values are numbers in canonical form,
    and their check digits. :func:`classify_scanned` finishes the work; the two are apart so
    that a pipeline can run them on different threads."""
    frame = _as_frame(values)
    text = frame.get_column("input")
    codes = _canonical_codes(text)
    rest = (codes == 0).arg_true()
    # The compiled pass words the cells once the rest is settled, as it makes them whole;
    # otherwise they are worded here, on the reading thread (see registry.bulk.pipeline._run).
    cells = None if _scan is not None else _first_pass_cells(text, codes)
    return CellScan(frame, codes, rest, cells)


def classify_scanned(scan: CellScan) -> pl.DataFrame:
    """:func:`classify_cells` of the values :func:`scan_cells` has scanned. The scan is used
    up: its columns are patched in place (see :func:`_patched`) rather than copied."""
    frame, codes, rest, cells = scan
    text = frame.get_column("input")
    patch = _classify_rest(frame[rest]) if rest.len() else _NO_CELLS
    if cells is None and _scan is not None:
        canonical, status, reason, suggestion = (
            patch.get_column(name).__arrow_c_stream__() for name in _CELL_COLUMNS
        )
        try:
            arrays = _scan.cell_columns(
                text.__arrow_c_stream__(),
                text.len(),
                _CELL_STATUS_TEXTS,
                _CHECKSUM_REASONS,
                canonical,
                status,
                reason,
                suggestion,
                patch.height,
            )
        except TypeError:  # not laid out as string views (see _canonical_codes)
            pass
        else:
            return pl.DataFrame(
                pl.Series(_ArrowArray(array)).alias(name)
                for name, array in zip(_CELL_COLUMNS, arrays, strict=True)
            )
    if cells is None:
        cells = _first_pass_cells(text, codes)
    if not rest.len():
        return cells
    return pl.DataFrame(_patched(cells, rest, patch))


def _first_pass_cells(text: pl.Series, codes: pl.Series) -> pl.DataFrame:
    """The result columns for the values in canonical form (the others' to be patched in),
    from their codes, in polars (the compiled pass makes them in ``cell_columns``)."""
    rows = _code_columns(codes)
    bad = rows.get_column("bad").arg_true()
    suggestion = pl.repeat(None, text.len(), dtype=pl.String, eager=True)
    if bad.len():
        # The same digits with the check digit they call for (what classify_cell suggests).
        expected = rows.get_column("expected").gather(bad).cast(pl.String)
        suggestion.scatter(bad, text.gather(bad).str.head(-1) + expected)
    return rows.select(
        canonical=text.zip_with(rows.get_column("ok"), _NO_TEXT),
        status=_CELL_STATUS_NAMES.gather(pl.col("bad").cast(pl.UInt8)),
        reason=_REASONS.gather(pl.when(pl.col("bad")).then(pl.col("checksum_reason"))),
        suggestion=suggestion,
    )


_CELL_COLUMNS = ("canonical", "status", "reason", "suggestion")
_NO_CELLS = pl.DataFrame(schema=dict.fromkeys(_CELL_COLUMNS, pl.String))
_CHECKSUM_REASONS = tuple(_CHECKSUM_REASON[code] for code in range(100))


def cells_frame(cells: Sequence[Cell]) -> pl.DataFrame:
    """The frame :func:`classify_cells` gives, for verdicts :func:`classify_cell` gave."""
    return pl.DataFrame(
        {
            "canonical": [c.canonical for c in cells],
            "status": [c.status.value for c in cells],
            "reason": [c.reason or None for c in cells],
            "suggestion": [c.suggestion for c in cells],
        },
        schema=dict.fromkeys(("canonical", "status", "reason", "suggestion"), pl.String),
    )


def _classify_rest(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`classify_cells` for values that are not canonical: the full normalisation.

    One query settles the shapes :func:`_fast_query` knows; a second, on the rows left, the
    plain text :func:`_plain_cells` knows; the values still left go through
    :func:`classify_cell`, once each. Each step's answers go into place by row index, which
    costs less on these few rows than joins on the values.
    """
    status = pl.col("status")
    fast = pl.col("fast")
    checksum = fast & (status == CasStatus.INVALID_CHECKSUM.value)
    from_number = (
        fast & pl.col("number") & status.is_in([CasStatus.VALID.value, CasStatus.NORMALISED.value])
    )
    settled = _collect(
        _fast_query(frame.lazy()).select(
            "fast",
            "canonical",
            "prefix",
            "code",
            status=pl.when(from_number).then(pl.lit(CellStatus.NUMBER.value)).otherwise(status),
            reason=pl.when(from_number)
            .then(pl.format("stored as the number {}", pl.col("input")))
            .otherwise(pl.col("reason")),
            suggestion=pl.when(checksum).then(
                pl.concat_str(
                    pl.col("digits").str.head(-1),
                    pl.col("expected_check_digit").cast(pl.String),
                )
            ),
        ),
        frame.height,
    )
    settled = _worded_prefixes(settled)
    slow = (~settled.get_column("fast")).arg_true()
    cells = settled.drop("fast")
    if slow.len() == 0:
        return cells
    left = frame[slow]
    plain = _collect(_plain_cells(_plain_text(left.lazy())), left.height)
    rest = (~plain.get_column("settled")).arg_true()
    plain = plain.drop("settled")
    if rest.len():
        plain = pl.DataFrame(
            _patched(plain, rest, cells_frame(_each_once(left, rest, classify_cell)))
        )
    return pl.DataFrame(_patched(cells, slow, plain))
