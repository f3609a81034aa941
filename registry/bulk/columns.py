"""Many CAS numbers at once: :func:`validate_many` and its results, :class:`CasResults`.

Result ``i`` is exactly what :func:`registry.cas.check` gives for value ``i`` (same canonical
form, status, reason and normalisations). The first pass (:mod:`registry.bulk.scan`) settles
the numbers in canonical form, nearly every value of a real column; polars queries
(:mod:`registry.bulk.normalise`) settle most of the rest, and only what remains, deduplicated,
goes through ``cas.check`` in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, overload

import polars as pl

from registry import cas
from registry.bulk.normalise import (
    NO_TEXT,
    REASONS,
    SEP,
    STATUS_NAMES,
    as_frame,
    collect,
    each_once,
    fast_query,
    patched,
    plain_text,
    worded_prefixes,
)
from registry.bulk.scan import canonical_codes, code_columns
from registry.cas import CasCheck, CasStatus

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

__all__ = ["CasResults", "validate_many"]


class CasResults(Sequence[CasCheck]):
    """The results of :func:`validate_many`, one per value, in order.

    Indexing gives a :class:`~registry.cas.CasCheck` equal to ``cas.check(value)``; the
    columns are in :attr:`frame` (a polars DataFrame) for fast whole-column work.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return self.frame.height

    @overload
    def __getitem__(self, index: int) -> CasCheck: ...

    @overload
    def __getitem__(self, index: slice) -> CasResults: ...

    def __getitem__(self, index: int | slice) -> CasCheck | CasResults:
        if isinstance(index, slice):
            return CasResults(self.frame[index])
        row = self.frame.row(index, named=True)
        status = CasStatus(row["status"])
        return CasCheck(
            input=row["input"],
            canonical=row["canonical"],
            status=status,
            reason=row["reason"] or "",
            normalisations=tuple(row["normalisations"].split(SEP)) if row["normalisations"] else (),
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
        """How many values have each status, in the order of :class:`~registry.cas.CasStatus`.

        >>> validate_many(["50-78-3", "50-78-2", "CAS 50-78-2"]).counts()
        {'valid': 1, 'normalised': 1, 'invalid-checksum': 1}
        """
        grouped = self.frame.group_by("status").len()
        found = dict(zip(grouped["status"].to_list(), grouped["len"].to_list(), strict=True))
        return {str(status): found[status] for status in CasStatus if status in found}


def validate_many(values: Iterable[object]) -> CasResults:
    """Check many values at once; result ``i`` equals ``registry.cas.check(values[i])``.

    Accepts a list (of str, or int for numbers a spreadsheet kept), a pandas Series or a polars
    Series. Missing values (None, NaN, null) count as empty cells.

    >>> results = validate_many(["50-78-2", " 7732185", "50-78-3", "NA"])
    >>> [r.status.value for r in results]
    ['valid', 'normalised', 'invalid-checksum', 'invalid-format']
    >>> results[1].canonical, results[1].reason
    ('7732-18-5', 'removed surrounding whitespace; inserted hyphens')

    A str or bytes is one value, not a column: TypeError (``cas.check`` checks one value).
    """
    if isinstance(values, str | bytes | bytearray | memoryview):
        raise TypeError(
            f"values must be a sequence of values, not {type(values).__name__}: "
            "check one value with registry.cas.check"
        )
    if isinstance(values, list) and len(values) >= _HALVES_FROM:
        return CasResults(_check_in_halves(values))
    return CasResults(_check_frame(as_frame(values)))


_RESULT_SCHEMA: dict[str, PolarsDataType] = {
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
            "normalisations": [SEP.join(c.normalisations) for c in checks],
            "expected_check_digit": [c.expected_check_digit for c in checks],
            "digits": [c.digits for c in checks],
        },
        schema={name: _RESULT_SCHEMA[name] for name in list(_RESULT_SCHEMA)[2:]},
    )


def _canonical_rows(text: pl.Series) -> pl.DataFrame:
    """:func:`registry.bulk.scan.code_columns` of ``text``: which values are in canonical form
    and their check digits. Only the other rows need the costlier normalisation."""
    return code_columns(canonical_codes(text))


_NO_DIGIT = pl.Series([None], dtype=pl.UInt8)


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
        canonical=text.zip_with(ok, NO_TEXT),
        # Status and reason indices into small tables: 0 valid, 2 invalid-checksum.
        status=STATUS_NAMES.gather(pl.when(pl.col("bad")).then(2).otherwise(0)),
        reason=REASONS.gather(pl.when(pl.col("bad")).then(pl.col("checksum_reason"))),
        normalisations=pl.lit("", dtype=pl.String),
        expected_check_digit=rows.get_column("expected").zip_with(bad, _NO_DIGIT),
        digits=text.zip_with(canonical, NO_TEXT),
    )
    columns = computed.get_columns() if patch is None else patched(computed, rest, patch)
    return pl.DataFrame([text, frame.get_column("number"), *columns])


def _check_rest(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_check_frame` for values that are not canonical: the full normalisation.

    One query settles the shapes :func:`fast_query` knows; :func:`_check_slow` the rest. The
    answers go into place by row index.
    """
    settled = _fast(frame)
    slow = (~settled.get_column("fast")).arg_true()
    settled = settled.select(list(_RESULT_SCHEMA))
    if slow.len() == 0:
        return settled
    columns = patched(settled.drop("input", "number"), slow, _check_slow(frame[slow]))
    return pl.DataFrame([settled.get_column("input"), settled.get_column("number"), *columns])


def _fast(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`registry.bulk.normalise.fast_query` of ``frame`` (values not in canonical form),
    with its messages whole; ``fast`` is False for the values it leaves."""
    return worded_prefixes(collect(fast_query(frame.lazy()), frame.height))


_STRIPPED_REASON = "removed surrounding whitespace"


def _check_slow(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`_check_frame`'s result columns (not ``input`` and ``number``) for the values
    :func:`fast_query` leaves.

    Text that is plainly not a number (see :func:`plain_text`) is rejected for its odd
    characters alone: its reason depends only on them, in order, so it is worded once per
    distinct run of them (a handful in a real column, however many such cells). The values
    left are checked by :func:`registry.cas.check`, once each.
    """
    left = plain_text(frame)
    text = left.get_column("input")
    # For printable ASCII, ``cas``'s allowed characters are digits, hyphen and space.
    odd = left.get_column("stripped").str.replace_all(r"[0-9 \-]", "")
    plain = left.get_column("plain")
    reasons = {run: cas.characters_reason(run) for run in odd.filter(plain).unique()}
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
    patch = _slow_rows(each_once(left, others, cas.check))
    return pl.DataFrame(patched(checked, others, patch))


# From this many values a list is converted in two halves (see _check_in_halves).
_HALVES_FROM = 100_000


def _check_in_halves(values: list[object]) -> pl.DataFrame:
    """:func:`_check_frame` of a long list, the second half converted while the first is checked.

    Turning Python strings into a column holds the GIL; checking the column mostly runs in
    polars without it, so the two overlap where there are two cores.
    """
    half = len(values) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(_check_frame, as_frame(values[:half]))
        second = _check_frame(as_frame(values[half:]))
        return pl.concat([first.result(), second])
