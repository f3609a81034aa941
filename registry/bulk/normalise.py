"""The full normalisation of CAS numbers as polars queries, for the values not in canonical form.

:func:`fast_query` settles the shapes that make up almost every such value in a real column
(numbers with surrounding spaces, Unicode dashes or a ``CAS`` prefix, integers whose hyphens
were stripped) with the same canonical form, status, reason and normalisations as
:func:`registry.cas.check`; :func:`plain_text` marks text rejected for its characters alone.
The rest goes through :mod:`registry.cas` in Python, once per distinct value
(:func:`each_once`). The message tables and the helpers that put answers back in place by row
index (:func:`patched`) serve :mod:`registry.bulk.columns` and :mod:`registry.bulk.cells`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import polars as pl

from registry import cas
from registry.bulk.scan import with_check_digits
from registry.cas import CasStatus

__all__ = [
    "NORMALISATIONS",
    "NO_TEXT",
    "REASONS",
    "SEP",
    "STATUS_NAMES",
    "as_frame",
    "as_frame_keeping",
    "collect",
    "each_once",
    "fast_query",
    "patched",
    "plain_text",
    "worded_prefixes",
]

_FAST_CANONICAL = f"^{cas.CANONICAL_PATTERN}$"
_FAST_DIGITS = r"^[1-9][0-9]{4,9}$"  # a number whose hyphens were stripped (5 to 10 digits)
# Only ASCII whitespace that Python's str.strip also removes, so both paths agree exactly.
_FAST_SPACE = " \t\r\n"


def as_frame(values: Iterable[object]) -> pl.DataFrame:
    """``values`` as a frame of ``input`` (text) and ``number`` (it was an integer); missing
    values (None, NaN, null) are empty text. A pandas Series or numpy array is read through
    its ``tolist``. Text polars cannot hold (a lone surrogate) is there with U+FFFD in its
    place: :func:`as_frame_keeping` says which."""
    return as_frame_keeping(values)[0]


def as_frame_keeping(values: Iterable[object]) -> tuple[pl.DataFrame, dict[int, str]]:
    """:func:`as_frame`, and the texts it could not hold as they were given, by row (text
    with a lone surrogate, which is no Unicode text: polars refuses it)."""
    if not isinstance(values, pl.Series):
        tolist = getattr(values, "tolist", None)
        items: list[object] = tolist() if callable(tolist) else list(values)
        try:  # all text (or None): polars builds the column without a Python loop
            series = pl.Series(items, dtype=pl.String, strict=True)
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            return _frame_from_objects(items)
        return _text_frame(series), {}
    series = values
    if series.dtype == pl.String:
        return _text_frame(series), {}
    if series.dtype.is_integer():
        return pl.DataFrame(
            {"input": series.cast(pl.String).fill_null(""), "number": series.is_not_null()}
        ), {}
    return _frame_from_objects(series.to_list())


def _text_frame(series: pl.Series) -> pl.DataFrame:
    if series.null_count():
        series = series.fill_null("")
    return pl.DataFrame(
        [series.alias("input"), pl.repeat(False, series.len(), dtype=pl.Boolean, eager=True)],
        schema={"input": pl.String, "number": pl.Boolean},
    )


def _frame_from_objects(items: Sequence[object]) -> tuple[pl.DataFrame, dict[int, str]]:
    texts: list[str] = []
    numbers: list[bool] = []
    kept: dict[int, str] = {}
    for index, item in enumerate(items):
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
            text = item if isinstance(item, str) else _text_of(item)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                kept[index] = text
                text = _SURROGATE.sub("\ufffd", text)
            texts.append(text)
            numbers.append(False)
    frame = pl.DataFrame(
        {"input": texts, "number": numbers}, schema={"input": pl.String, "number": pl.Boolean}
    )
    return frame, kept


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_of(item: object) -> str:
    """The text of any value (an object whose ``str`` fails is named by its type)."""
    try:
        return str(item)
    except Exception:  # a hostile __str__: the value is still answered, as its type
        return f"<{type(item).__name__}>"


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


_UNICODE_DASHES = list(cas.DASHES)
_PREFIX_RUST = f"(?i)^({cas.PREFIX.pattern})"
# Normalisations are kept joined by a unit separator, which no message contains.
SEP = "\x1f"


_CHECKSUM_REASONS = tuple(
    f"check digit is {found}, expected {expected}" for found in range(10) for expected in range(10)
)
"""What :func:`registry.cas.check` says of a failed check digit, at ``10 * found + expected``."""


# What a prefixed value's messages hold before and after "removed prefix ...", by separator.
_PREFIX_BEFORE = {
    sep: pl.lit(
        pl.Series([sep.join(_CHANGES[code]) + sep if _CHANGES[code] else "" for code in range(16)])
    )
    for sep in ("; ", SEP)
}
_PREFIX_AFTER = {sep: pl.lit(pl.Series(["", sep + "inserted hyphens"])) for sep in ("; ", SEP)}


# Messages are picked from these by index: gathering string views costs far less than
# building strings with when/then.
STATUS_NAMES = pl.lit(
    pl.Series(
        [
            CasStatus.VALID.value,
            CasStatus.NORMALISED.value,
            CasStatus.INVALID_CHECKSUM.value,
            CasStatus.EMPTY.value,
        ]
    )
)

REASONS = pl.lit(
    pl.Series(
        ["empty"]
        + list(_CHECKSUM_REASONS)
        # An empty reason is null: cheaper, and written as an empty field either way.
        + ["; ".join(_CHANGES[code]) or None for code in range(16)]
    )
)

NORMALISATIONS = pl.lit(pl.Series([SEP.join(_CHANGES[code]) for code in range(16)]))


# Below this many rows a query runs in the in-memory engine: the streaming engine's start-up
# outweighs what its parallel pieces gain on few rows.
_STREAMING_FROM = 10_000


def collect(query: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """``query`` collected by the engine that is faster for about ``rows`` rows."""
    return query.collect(engine="streaming" if rows >= _STREAMING_FROM else "in-memory")


def fast_query(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Columns for the values settled without Python, as a lazy query (columns ``input`` and
    ``number`` in, results added); ``fast`` is False for the rest.

    The values are stripped, cleared of Unicode dashes and a ``CAS`` prefix, and tried as
    canonical numbers and as hyphen-less integers. On the few rows this is used for, the
    fixed cost of each polars call outweighs the work, so every branch is computed for every
    row rather than on filtered subsets put back in place. The messages of values that had a
    prefix are left to :func:`worded_prefixes`.
    """
    stripped = pl.col("stripped")
    prefix = pl.col("prefix")
    shaped = pl.col("core").str.contains(_FAST_CANONICAL)
    digits = pl.col("core").str.contains(_FAST_DIGITS)
    hyphenated = pl.col("hyphenated")
    has_digits = hyphenated.is_not_null()
    code = pl.col("code")
    ok = pl.col("expected") == pl.col("found")
    table_code = code % 16  # the prefix bit has no table entry (see worded_prefixes)
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
        .pipe(with_check_digits, "hyphenated")
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
            status=STATUS_NAMES.gather(
                pl.when(pl.col("empty"))
                .then(3)
                .when(~ok)
                .then(2)
                .when(code > 0)
                .then(1)
                .otherwise(0)
            ),
            reason=REASONS.gather(
                pl.when(pl.col("empty"))
                .then(0)
                .when(~ok)
                .then(1 + pl.col("found").cast(pl.UInt16) * 10 + pl.col("expected"))
                .otherwise(101 + table_code.cast(pl.UInt16))
            ),
            normalisations=NORMALISATIONS.gather(table_code),
            expected_check_digit=pl.when(~ok).then(pl.col("expected")),
        )
    )


def worded_prefixes(settled: pl.DataFrame) -> pl.DataFrame:
    """``settled`` (rows of :func:`fast_query`) with the messages of the values that had a
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
                _PREFIX_BEFORE[SEP].gather(before), removed, _PREFIX_AFTER[SEP].gather(after)
            ),
        )
        settled = settled.with_columns(
            settled.get_column(name).scatter(index, words.get_column(name))
            for name in words.columns
            if name in settled.columns
        )
    return settled.drop("prefix", "code")


_Verdict = TypeVar("_Verdict")


def each_once(
    frame: pl.DataFrame, index: pl.Series, judge: Callable[[str | int], _Verdict]
) -> list[_Verdict]:
    """``judge`` of the values in rows ``index`` of ``frame`` (``input``, ``number``), in order,
    called once per distinct value (lists repeat their odd values many times)."""
    inputs = frame.get_column("input").gather(index).to_list()
    numbers = frame.get_column("number").gather(index).to_list()
    keys = list(zip(inputs, numbers, strict=True))
    verdicts = {key: judge(int(key[0]) if key[1] else key[0]) for key in set(keys)}
    return [verdicts[key] for key in keys]


NO_TEXT = pl.Series([None], dtype=pl.String)


def patched(columns: pl.DataFrame, index: pl.Series, patch: pl.DataFrame) -> list[pl.Series]:
    """The columns of ``columns``, taken out of it (it is left empty), with rows ``index``
    replaced by ``patch``'s same-named ones.

    A column no frame holds any more is its own, so the scatter writes into it in place;
    scattering into a column that a frame still holds would copy the whole column first.
    """
    series = [columns.drop_in_place(name).rechunk() for name in columns.columns]
    for column in series:
        column.scatter(index, patch.get_column(column.name))
    return series


# Printable ASCII without quotes or backslashes: Python's and Rust's ideas of whitespace and
# case agree there, and ``repr`` just wraps the text in single quotes.
_PLAIN = r"^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$"
_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def plain_text(frame: _Frame) -> _Frame:
    """``frame`` (``input``, ``number``) with ``stripped`` and ``plain``.

    ``plain`` marks text that :func:`registry.cas.check` rejects for its characters after
    nothing but stripping spaces: printable ASCII (see ``_PLAIN``) that does not start with a
    ``CAS`` prefix's ``c``, has no spaces around hyphens, and holds a character that no CAS
    number has. Its reason is then what :func:`registry.cas.characters_reason` says of the
    stripped text.
    """
    stripped = pl.col("input").str.strip_chars(" ")
    return frame.with_columns(stripped=stripped).with_columns(
        plain=~pl.col("number")
        & pl.col("input").str.contains(_PLAIN)
        & ~pl.col("stripped").str.contains(r"^[cC]| -|- ")
        & pl.col("stripped").str.contains(r"[^0-9 \-]"),
    )
