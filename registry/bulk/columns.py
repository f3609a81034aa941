"""Many CAS numbers at once: :func:`validate_many` and its results, :class:`CasResults`.

Result ``i`` carries the verdict :func:`registry.bulk.classify_cell` gives value ``i`` (the one
classifier, which ``registry validate`` uses too: ``n/a`` is a placeholder, ``68-22-4/57-63-6``
several numbers, an integer a number Excel kept) and otherwise what :func:`registry.cas.check`
gives (normalisations, expected check digit, digits). The first pass
(:mod:`registry.bulk.scan`) settles the numbers in canonical form, nearly every value of a
real column; polars queries (:mod:`registry.bulk.normalise`) settle most of the rest, and only
what remains, deduplicated, goes through ``cas.check`` in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple, overload

import polars as pl

from registry import cas
from registry.bulk.cells import CellStatus, classify_cells
from registry.bulk.normalise import (
    NO_TEXT,
    REASONS,
    SEP,
    STATUS_NAMES,
    as_frame_keeping,
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

__all__ = ["CasResult", "CasResults", "validate_many"]


class CasResult(NamedTuple):
    """One value's result: the fields of :class:`~registry.cas.CasCheck`, with the status,
    canonical form and reason of :func:`registry.bulk.classify_cell`. For a value that is one
    CAS number (valid, normalised or not) it equals ``cas.check(value)``."""

    input: str
    canonical: str | None
    status: CellStatus
    reason: str
    normalisations: tuple[str, ...]
    expected_check_digit: int | None
    digits: str | None

    @property
    def is_valid(self) -> bool:
        """One valid CAS number (as given, normalised, or stored as a number)."""
        return self.status in _VALID


_VALID = (CellStatus.VALID, CellStatus.NORMALISED, CellStatus.NUMBER)


class CasResults(Sequence[CasResult]):
    """The results of :func:`validate_many`, one per value, in order.

    Indexing gives a :class:`CasResult`; the columns are in :attr:`frame` (a polars
    DataFrame) for fast whole-column work.
    """

    def __init__(self, frame: pl.DataFrame, inputs: Mapping[int, str] | None = None) -> None:
        self.frame = frame
        # The inputs the frame could not hold as given (a lone surrogate), by row.
        self._inputs = dict(inputs or {})

    def __len__(self) -> int:
        return self.frame.height

    @overload
    def __getitem__(self, index: int) -> CasResult: ...

    @overload
    def __getitem__(self, index: slice) -> CasResults: ...

    def __getitem__(self, index: int | slice) -> CasResult | CasResults:
        if isinstance(index, slice):
            rows = range(len(self))[index]
            inputs = {new: self._inputs[old] for new, old in enumerate(rows) if old in self._inputs}
            return CasResults(self.frame[index], inputs)
        row = self.frame.row(index, named=True)
        if index < 0:
            index += len(self)
        return CasResult(
            input=self._inputs.get(index, row["input"]),
            canonical=row["canonical"],
            status=CellStatus(row["status"]),
            reason=row["reason"] or "",
            normalisations=tuple(row["normalisations"].split(SEP)) if row["normalisations"] else (),
            expected_check_digit=row["expected_check_digit"],
            digits=row["digits"],
        )

    def __iter__(self) -> Iterator[CasResult]:
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
        """One valid CAS number (as given, normalised, or stored as a number)."""
        return self.status.is_in([status.value for status in _VALID])

    def counts(self) -> dict[str, int]:
        """How many values have each status, in the order of :class:`~registry.bulk.CellStatus`.

        >>> validate_many(["50-78-3", "50-78-2", "CAS 50-78-2"]).counts()
        {'valid': 1, 'normalised': 1, 'invalid-checksum': 1}
        """
        grouped = self.frame.group_by("status").len()
        found = dict(zip(grouped["status"].to_list(), grouped["len"].to_list(), strict=True))
        return {str(status): found[status] for status in CellStatus if status in found}


def validate_many(values: Iterable[object]) -> CasResults:
    """Check many values at once, each as ``registry validate`` checks a cell.

    Accepts a list (of str, or int for numbers a spreadsheet kept), a pandas Series or a polars
    Series. Missing values (None, NaN, null) count as empty cells.

    >>> results = validate_many(["50-78-2", " 7732185", "50-78-3", "n/a", 7732185])
    >>> [r.status.value for r in results]
    ['valid', 'normalised', 'invalid-checksum', 'placeholder', 'number']
    >>> results[1].canonical, results[1].reason
    ('7732-18-5', 'removed surrounding whitespace; inserted hyphens')

    Raises:
        TypeError: ``values`` is one value (a str or bytes: check it with
            ``registry.cas.check``) or a table (a polars or pandas DataFrame: pass one column).
    """
    if isinstance(values, str | bytes | bytearray | memoryview):
        raise TypeError(
            f"values must be a sequence of values, not {type(values).__name__}: "
            "check one value with registry.cas.check"
        )
    kind = type(values)
    if kind.__name__ in ("DataFrame", "LazyFrame") and kind.__module__.split(".")[0] in (
        "polars",
        "pandas",
    ):
        library = kind.__module__.split(".")[0]
        raise TypeError(
            f"values must be one column (a list or a Series), not a {library} {kind.__name__}: "
            "pass the column, e.g. frame['cas']"
        )
    if isinstance(values, list) and len(values) >= _HALVES_FROM:
        frame, kept = _check_in_halves(values)
    else:
        given, kept = as_frame_keeping(values)
        frame = _check_frame(given)
    return CasResults(_with_kept(_as_cells(frame), kept), kept)


def _with_kept(frame: pl.DataFrame, kept: dict[int, str]) -> pl.DataFrame:
    """``frame`` with the rows of the texts polars could not hold (``kept``, by row: a lone
    surrogate) answered by :func:`registry.cas.check` of the text as given: invalid-format."""
    if not kept:
        return frame
    index = pl.Series(list(kept), dtype=pl.UInt32)
    patch = _slow_rows([cas.check(text) for text in kept.values()])
    columns = patched(frame.drop("input", "number"), index, patch)
    return pl.DataFrame([frame.get_column("input"), frame.get_column("number"), *columns])


def _as_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """``cas.check``'s results with the status, canonical form and reason the cell
    classifier gives where it says more: an integer that is a valid number (``number``), and
    text that is not one number (a placeholder, several numbers, a number in text)."""
    status = frame.get_column("status")
    number = frame.get_column("number")
    valid = status.is_in([CasStatus.VALID.value, CasStatus.NORMALISED.value])
    beyond = ((status == CasStatus.INVALID_FORMAT.value) & ~number).arg_true()
    stored = (number & valid).arg_true()
    if not beyond.len() and not stored.len():
        return frame
    text = frame.get_column("input")
    columns = {name: frame.get_column(name).clone() for name in ("canonical", "status", "reason")}
    if stored.len():
        columns["status"].scatter(stored, CellStatus.NUMBER.value)
        columns["reason"].scatter(stored, "stored as the number " + text.gather(stored))
    if beyond.len():
        cells = classify_cells(text.gather(beyond))
        for name, column in columns.items():
            column.scatter(beyond, cells.get_column(name))
    return frame.with_columns(*columns.values())


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


def _check_in_halves(values: list[object]) -> tuple[pl.DataFrame, dict[int, str]]:
    """:func:`_check_frame` of a long list, the second half converted while the first is checked.

    Turning Python strings into a column holds the GIL; checking the column mostly runs in
    polars without it, so the two overlap where there are two cores.
    """
    half = len(values) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        given, kept = as_frame_keeping(values[:half])
        first = pool.submit(_check_frame, given)
        rest, kept_after = as_frame_keeping(values[half:])
        second = _check_frame(rest)
        kept.update({half + index: text for index, text in kept_after.items()})
        return pl.concat([first.result(), second]), kept
