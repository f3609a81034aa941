"""Many CAS numbers at once: :func:`validate_many` and its results, :class:`CasResults`.

Result ``i`` is the verdict :func:`registry.bulk.classify_cell` gives value ``i`` (the one
classifier, which ``registry validate`` uses too: ``n/a`` is a placeholder, ``68-22-4/57-63-6``
several numbers, an integer a number Excel kept, a missing value ``empty``) with the
normalisations :func:`registry.cas.check` made. The first pass (:mod:`registry.bulk.scan`)
settles the numbers in canonical form, nearly every value of a real column, and the result
columns of those rows are built whole; only the other rows go through the polars queries of
:mod:`registry.bulk.normalise`, and only what those leave, once per distinct value, through
Python. The answers for those few rows are put in place by row index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

import polars as pl

from registry import cas
from registry.bulk.cells import LONGEST_CELL, CellStatus, classify_cells
from registry.bulk.normalise import (
    REASONS,
    SEP,
    as_frame_keeping,
    collect,
    each_once,
    fast_query,
    patched,
    plain_text,
    worded_prefixes,
)
from registry.bulk.scan import canonical_codes, code_columns
from registry.cas import CasStatus
from registry.frames import FrameLibrary, Tabular, as_pandas, chosen, is_missing

__all__ = ["COLUMNS", "CasResult", "CasResults", "validate_many"]

COLUMNS = ("input", "canonical", "status", "reason", "suggestion", "normalisations")
"""The columns of :attr:`CasResults.frame`, in order."""

NORMALISATION_SEPARATOR = "; "
"""Between the normalisations of one value in the ``normalisations`` column."""


class CasResult(NamedTuple):
    """One value's result: a row of :attr:`CasResults.frame`.

    Attributes:
        input: the value as given (as text; a missing value is ``""``).
        canonical: the CAS number in canonical form, or several joined by ``"; "``; None when
            the value holds no valid number.
        status: the verdict (:class:`~registry.bulk.CellStatus`): ``valid``, ``normalised``,
            ``number`` (an integer that is a valid number), ``multiple``, ``embedded``,
            ``empty`` (missing: None, NaN, NA, null or blank), ``placeholder``,
            ``invalid-format``, ``invalid-length``, ``invalid-checksum``.
        reason: the verdict in plain words ("" when valid and unchanged).
        suggestion: for a failed check digit, the likely intended number.
        normalisations: what was changed to reach the canonical form, in order (as
            :func:`registry.cas.check` reports it).
    """

    input: str
    canonical: str | None
    status: CellStatus
    reason: str
    suggestion: str | None
    normalisations: tuple[str, ...]

    @property
    def is_valid(self) -> bool:
        """One valid CAS number (as given, normalised, or stored as a number)."""
        return self.status in _VALID


_VALID = (CellStatus.VALID, CellStatus.NORMALISED, CellStatus.NUMBER)


class CasResults(Tabular, Sequence[CasResult]):
    """The results of :func:`validate_many`, one per value, in order.

    Indexing gives a :class:`CasResult`. :attr:`frame` holds the same as a polars DataFrame
    with the columns of :data:`COLUMNS` (``normalisations`` joined by ``"; "``);
    ``to_frame()`` gives it in the library of the input (a pandas Series in, pandas out),
    ``to_polars()`` and ``to_pandas()`` in either.
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        inputs: Mapping[int, str] | None = None,
        library: FrameLibrary = "polars",
    ) -> None:
        self.frame = frame
        # The inputs the frame could not hold as given (a lone surrogate), by row.
        self._inputs = dict(inputs or {})
        self._library = library

    @property
    def frame_library(self) -> FrameLibrary:
        return self._library

    def _frame(self, library: FrameLibrary) -> Any:
        return as_pandas(self.frame) if library == "pandas" else self.frame

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
            return CasResults(self.frame[index], inputs, self._library)
        row = self.frame.row(index, named=True)
        if index < 0:
            index += len(self)
        done = row["normalisations"]
        return CasResult(
            input=self._inputs.get(index, row["input"]),
            canonical=row["canonical"],
            status=CellStatus(row["status"]),
            reason=row["reason"] or "",
            suggestion=row["suggestion"],
            normalisations=tuple(done.split(NORMALISATION_SEPARATOR)) if done else (),
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
        """One valid CAS number (as given, normalised, or stored as a number), as a Boolean
        Series named ``is_valid``."""
        return self.status.is_in([status.value for status in _VALID]).alias("is_valid")

    def counts(self) -> dict[str, int]:
        """How many values have each status, in the order of :class:`~registry.bulk.CellStatus`.

        >>> validate_many(["50-78-3", "50-78-2", "CAS 50-78-2"]).counts()
        {'valid': 1, 'normalised': 1, 'invalid-checksum': 1}
        """
        grouped = self.frame.group_by("status").len()
        found = dict(zip(grouped["status"].to_list(), grouped["len"].to_list(), strict=True))
        return {str(status): found[status] for status in CellStatus if status in found}


def validate_many(values: Iterable[object], *, frame: FrameLibrary | None = None) -> CasResults:
    """Check many values at once, each as ``registry validate`` checks a cell.

    Accepts a list (of str, or int for numbers a spreadsheet kept), a pandas Series or a polars
    Series. Missing values (None, NaN, pandas' NA, polars' null) and blank text are ``empty``.
    ``frame`` chooses what ``to_frame()`` gives (default: the input's library; polars for a
    list).

    >>> results = validate_many(["50-78-2", " 7732185", "50-78-3", "n/a", 7732185, None])
    >>> [r.status.value for r in results]
    ['valid', 'normalised', 'invalid-checksum', 'placeholder', 'number', 'empty']
    >>> results[1].canonical, results[1].reason
    ('7732-18-5', 'removed surrounding whitespace; inserted hyphens')
    >>> results[2].suggestion
    '50-78-2'
    >>> results.frame.columns
    ['input', 'canonical', 'status', 'reason', 'suggestion', 'normalisations']

    Raises:
        TypeError: ``values`` is one value (a str or bytes: check it with
            ``registry.cas.check``) or a table (a polars or pandas DataFrame: pass one column).
        ValueError: ``frame`` is neither ``"polars"`` nor ``"pandas"``.
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
    library = chosen(frame, values)
    given, kept = _as_frame(values)
    return CasResults(_with_kept(_check_frame(given), kept), kept, library)


def _as_frame(values: Iterable[object]) -> tuple[pl.DataFrame, dict[int, str]]:
    """:func:`registry.bulk.normalise.as_frame_keeping`, every missing value made None first
    (pandas' ``NA`` and ``NaT`` among them, which have no text of their own)."""
    if not isinstance(values, pl.Series):
        tolist = getattr(values, "tolist", None)
        items: list[object] = (
            values if isinstance(values, list) else tolist() if callable(tolist) else list(values)
        )
        try:  # all text, or all integers: polars builds the column without a Python loop
            series = pl.Series(items)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            series = None
        if series is not None and series.dtype == pl.Null:  # nothing but None
            series = series.cast(pl.String)
        if series is not None and (series.dtype == pl.String or series.dtype.is_integer()):
            return as_frame_keeping(series)
        values = [None if is_missing(item) else item for item in items]
    return as_frame_keeping(values)


def _with_kept(frame: pl.DataFrame, kept: dict[int, str]) -> pl.DataFrame:
    """``frame`` with the rows of the texts polars could not hold (``kept``, by row: a lone
    surrogate, which no file's text holds) answered by :func:`registry.cas.check` of the text
    as given: invalid-format, for the character."""
    if not kept:
        return frame
    index = pl.Series(list(kept), dtype=pl.UInt32)
    checks = [cas.check(text) for text in kept.values()]
    patch = pl.DataFrame(
        {
            "canonical": [c.canonical for c in checks],
            "status": [c.status.value for c in checks],
            "reason": [c.reason or None for c in checks],
            "suggestion": [None for _ in checks],
            "normalisations": [NORMALISATION_SEPARATOR.join(c.normalisations) for c in checks],
        },
        schema=dict.fromkeys(COLUMNS[1:], pl.String),
    )
    return pl.DataFrame([frame.get_column("input"), *patched(frame.drop("input"), index, patch)])


def _normalised(value: str | int) -> str:
    """The normalisations :func:`registry.cas.check` makes of ``value``, as the column holds
    them."""
    return NORMALISATION_SEPARATOR.join(cas.check(value).normalisations)


def _check_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The result frame (:data:`COLUMNS`) of an input frame (``input``, ``number``), in order.

    Every row starts as a valid number in canonical form (what the first pass says of nearly
    all: the canonical form is the input itself, and nothing else is set); the other rows,
    numbers whose check digit fails and values not in canonical form, are put in place by
    row index.
    """
    text = frame.get_column("input")
    size = text.len()
    rows = code_columns(canonical_codes(text))
    failed = rows.get_column("bad").arg_true()
    rest = (~rows.get_column("canonical")).arg_true()
    parts = []
    if failed.len():
        parts.append((failed, _checksum_failures(text.gather(failed), rows[failed])))
    if rest.len():
        parts.append((rest, _check_rest(frame[rest])))
    position = pl.repeat(0, size, dtype=pl.UInt32, eager=True)
    if not parts:
        return pl.DataFrame([text, text.alias("canonical"), *_VALID_ROW[position]])
    index = pl.concat([where for where, _ in parts])
    patch = pl.concat([answers for _, answers in parts])
    (canonical,) = patched(pl.DataFrame([text.alias("canonical")]), index, patch[["canonical"]])
    # Row 0 of the table is every valid number's answer, row i + 1 the answer for row
    # index[i]: one gather of the table by a column of those row numbers builds the other
    # four columns at once, in parallel, for a third of the cost of scattering into each.
    position.scatter(index, pl.int_range(1, index.len() + 1, dtype=pl.UInt32, eager=True))
    table = pl.concat([_VALID_ROW, patch.drop("canonical")], rechunk=True)
    return pl.DataFrame([text, canonical, *table[position]])


_VALID_ROW = pl.DataFrame(
    {"status": ["valid"], "reason": [None], "suggestion": [None], "normalisations": [""]},
    schema=dict.fromkeys(COLUMNS[2:], pl.String),
)
"""The answer for a valid number in canonical form, but for its canonical form (itself)."""


def _checksum_failures(text: pl.Series, rows: pl.DataFrame) -> pl.DataFrame:
    """The result columns of numbers in canonical form whose check digit fails (``rows`` of
    :func:`registry.bulk.scan.code_columns`): suggested with the check digit they call for,
    as :func:`registry.bulk.classify_cell` suggests."""
    expected = rows.get_column("expected").cast(pl.String)
    return rows.select(
        canonical=pl.lit(None, dtype=pl.String),
        status=pl.lit(CellStatus.INVALID_CHECKSUM.value, dtype=pl.String),
        reason=REASONS.gather(pl.col("checksum_reason")),
        suggestion=text.str.head(-1) + expected,
        normalisations=pl.lit("", dtype=pl.String),
    )


def _check_rest(frame: pl.DataFrame) -> pl.DataFrame:
    """The result columns (:data:`COLUMNS` but ``input``) of values not in canonical form.

    One query (:func:`registry.bulk.normalise.fast_query`) settles the shapes it knows, with
    ``cas.check``'s verdict, which is the cell's: a stripped, dashed or prefixed number, digits
    without hyphens (a ``number`` where the value was an integer), an empty cell. The cell
    classifier (:func:`registry.bulk.classify_cells`) answers the rest, and cells longer than
    :data:`~registry.bulk.cells.LONGEST_CELL` are kept out of the query, refused whole.
    """
    text = frame.get_column("input")
    huge = (text.str.len_bytes() > LONGEST_CELL).arg_true()
    query = frame
    if huge.len():
        query = frame.with_columns(text.clone().scatter(huge, "").alias("input"))
    status, number = pl.col("status"), pl.col("number")
    stored = number & status.is_in([CasStatus.VALID.value, CasStatus.NORMALISED.value])
    settled = worded_prefixes(
        collect(
            fast_query(query.lazy()).select(
                "fast",
                "canonical",
                "prefix",
                "code",
                "normalisations",
                status=pl.when(stored).then(pl.lit(CellStatus.NUMBER.value)).otherwise(status),
                reason=pl.when(stored)
                .then(pl.format("stored as the number {}", pl.col("input")))
                .otherwise(pl.col("reason")),
                suggestion=pl.when(status == CasStatus.INVALID_CHECKSUM.value).then(
                    pl.concat_str(
                        pl.col("digits").str.head(-1),
                        pl.col("expected_check_digit").cast(pl.String),
                    )
                ),
            ),
            frame.height,
        )
    )
    fast = settled.get_column("fast")
    if huge.len():
        fast = fast.scatter(huge, False)
    slow = (~fast).arg_true()
    columns = settled.select(
        *COLUMNS[1:-1],
        pl.col("normalisations").str.replace_all(SEP, NORMALISATION_SEPARATOR, literal=True),
    )
    if slow.len() == 0:
        return columns
    return pl.DataFrame(patched(columns, slow, _check_slow(frame[slow])))


def _check_slow(frame: pl.DataFrame) -> pl.DataFrame:
    """The result columns of the values :func:`fast_query` leaves: placeholders, text, several
    numbers, odd characters, cells too long to read.

    Their verdicts are :func:`registry.bulk.classify_cells`'. Their normalisations are
    ``cas.check``'s: for text rejected for its characters alone (see
    :func:`registry.bulk.normalise.plain_text`) that is at most the stripped spaces, so only the
    other values are checked, once per distinct value.
    """
    text = frame.get_column("input")
    numbers = frame.get_column("number")
    values: Iterable[object] = text
    if numbers.any():  # an integer is a number only as an int
        values = [
            int(value) if number else value
            for value, number in zip(text.to_list(), numbers.to_list(), strict=True)
        ]
    cells = classify_cells(values)
    # A cell too long to read is refused whole: nothing was normalised, and it is not copied.
    short = text.str.len_bytes() <= LONGEST_CELL
    left = plain_text(frame.with_columns(pl.when(short).then(text).otherwise(pl.lit(""))))
    done = pl.Series("normalisations", ["", _STRIPPED], dtype=pl.String).gather(
        (left.get_column("stripped") != left.get_column("input")).cast(pl.UInt8)
    )
    others = (~left.get_column("plain") & short).arg_true()
    if others.len():
        done.scatter(others, pl.Series(each_once(left, others, _normalised), dtype=pl.String))
    return cells.with_columns(done)


_STRIPPED = "removed surrounding whitespace"
