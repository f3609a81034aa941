"""Many CAS numbers at once: vectorised checks and the classification of spreadsheet cells.

:func:`validate_many` gives for every value exactly what :func:`registry.cas.check` gives (same
canonical form, status and reason). Polars string expressions settle the shapes that make up
almost every real column (canonical numbers, numbers with surrounding spaces, integers whose
hyphens were stripped); only the remainder, deduplicated, goes through ``cas.check`` in Python.

:func:`classify_cells` goes one step further for cells of a file: placeholders (``---``, ``NA``,
``NOCAS_872425``), several numbers in one cell, and a number embedded in text each get their own
:class:`CellStatus`. :func:`classify_cell` is the scalar twin, used by the csv-module fallback
and by tests to prove the vectorised path right.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from registry import cas
from registry.cas import CasCheck, CasStatus

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
        return _frame_from_objects(items)
    series = values
    if series.dtype == pl.String:
        return pl.DataFrame({"input": series.fill_null(""), "number": False})
    if series.dtype.is_integer():
        return pl.DataFrame(
            {"input": series.cast(pl.String).fill_null(""), "number": series.is_not_null()}
        )
    return _frame_from_objects(series.to_list())


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


def _checksum(shaped: pl.Expr) -> pl.Expr:
    """Weighted digit sum of the body of a hyphenated number, modulo 10."""
    body = shaped.str.replace_all("-", "", literal=True).str.head(-1).str.zfill(9)
    total = pl.sum_horizontal([body.str.slice(i, 1).cast(pl.UInt16) * (9 - i) for i in range(9)])
    return (total % 10).cast(pl.UInt8)


def _fast(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns for the values settled by expressions; ``fast`` is False for the rest."""
    text = pl.col("input")
    core = text.str.strip_chars(_FAST_SPACE)
    stripped = (core.str.len_bytes() != text.str.len_bytes()) & ~pl.col("number")
    canonical_shape = core.str.contains(_FAST_CANONICAL)
    digits = core.str.contains(_FAST_DIGITS)
    empty = text.str.len_bytes() == 0
    hyphenated = (
        pl.when(canonical_shape)
        .then(core)
        .when(digits)
        .then(
            pl.concat_str(
                core.str.head(-3),
                pl.lit("-"),
                core.str.slice(-3, 2),
                pl.lit("-"),
                core.str.slice(-1, 1),
            )
        )
    )
    changes = pl.concat_list(
        pl.when(pl.col("number"))
        .then(pl.lit(["read from a number"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.when(stripped)
        .then(pl.lit(["removed surrounding whitespace"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
        pl.when(digits & ~canonical_shape)
        .then(pl.lit(["inserted hyphens"]))
        .otherwise(pl.lit([], pl.List(pl.String))),
    )
    out = frame.with_columns(
        digits=hyphenated,
        fast=(canonical_shape | digits | (empty & ~pl.col("number"))),
    ).with_columns(
        expected=_checksum(pl.col("digits")),
        found=pl.col("digits").str.slice(-1, 1).cast(pl.UInt8),
        normalisations=pl.when(empty).then(pl.lit([], pl.List(pl.String))).otherwise(changes),
    )
    ok = pl.col("expected") == pl.col("found")
    return out.with_columns(
        canonical=pl.when(ok).then(pl.col("digits")),
        status=pl.when(empty)
        .then(pl.lit(CasStatus.EMPTY.value))
        .when(~ok)
        .then(pl.lit(CasStatus.INVALID_CHECKSUM.value))
        .when(pl.col("normalisations").list.len() > 0)
        .then(pl.lit(CasStatus.NORMALISED.value))
        .otherwise(pl.lit(CasStatus.VALID.value)),
        reason=pl.when(empty)
        .then(pl.lit("empty"))
        .when(~ok)
        .then(pl.format("check digit is {}, expected {}", pl.col("found"), pl.col("expected")))
        .otherwise(pl.col("normalisations").list.join("; ")),
        expected_check_digit=pl.when(~ok).then(pl.col("expected")),
    )


_RESULT_SCHEMA: dict[str, Any] = {
    "input": pl.String,
    "number": pl.Boolean,
    "canonical": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "normalisations": pl.List(pl.String),
    "expected_check_digit": pl.UInt8,
    "digits": pl.String,
}


def _slow_rows(checks: list[CasCheck], inputs: list[str], numbers: list[bool]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "input": inputs,
            "number": numbers,
            "canonical": [c.canonical for c in checks],
            "status": [c.status.value for c in checks],
            "reason": [c.reason for c in checks],
            "normalisations": [list(c.normalisations) for c in checks],
            "expected_check_digit": [c.expected_check_digit for c in checks],
            "digits": [c.digits for c in checks],
        },
        schema=_RESULT_SCHEMA,
    )


def _check_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The full result frame (columns of ``_RESULT_SCHEMA``) for an input frame, in order."""
    settled = _fast(frame)
    columns = list(_RESULT_SCHEMA)
    fast = settled.get_column("fast")
    if bool(fast.all()):
        return settled.select(columns)
    rest = settled.filter(~fast).select("input", "number").unique(maintain_order=True)
    inputs = rest.get_column("input").to_list()
    numbers = rest.get_column("number").to_list()
    checks = [
        cas.check(int(text) if number else text)
        for text, number in zip(inputs, numbers, strict=True)
    ]
    looked_up = _slow_rows(checks, inputs, numbers)
    joined = settled.join(
        looked_up, on=["input", "number"], how="left", suffix="_slow", maintain_order="left"
    )
    return joined.select(
        "input",
        "number",
        *(
            pl.when(pl.col("fast")).then(pl.col(name)).otherwise(pl.col(f"{name}_slow")).alias(name)
            for name in columns[2:]
        ),
    )


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
            reason=row["reason"],
            normalisations=tuple(row["normalisations"]),
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
    return CasResults(_check_frame(_as_frame(values)))


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


def classify_cells(values: Sequence[object] | pl.Series) -> pl.DataFrame:
    """Columns ``canonical``, ``status``, ``reason``, ``suggestion`` for each cell, in order."""
    frame = _check_frame(_as_frame(values))
    suggestion = pl.when(pl.col("status") == CasStatus.INVALID_CHECKSUM.value).then(
        pl.concat_str(
            pl.col("digits").str.head(-1),
            pl.col("expected_check_digit").cast(pl.String),
        )
    )
    status = (
        pl.when(pl.col("number") & pl.col("status").is_in(["valid", "normalised"]))
        .then(pl.lit(CellStatus.NUMBER.value))
        .otherwise(pl.col("status"))
    )
    reason = (
        pl.when(pl.col("number") & pl.col("status").is_in(["valid", "normalised"]))
        .then(pl.format("stored as the number {}", pl.col("input")))
        .otherwise(pl.col("reason"))
    )
    out = frame.select(
        "input",
        "canonical",
        status.alias("status"),
        reason.alias("reason"),
        suggestion.alias("suggestion"),
        odd=(pl.col("status") == CasStatus.INVALID_FORMAT.value) & ~pl.col("number"),
    )
    odd = out.get_column("odd")
    if bool(odd.any()):
        texts = out.filter(odd).get_column("input").unique(maintain_order=True).to_list()
        cells = [classify_cell(text) for text in texts]
        looked_up = pl.DataFrame(
            {
                "input": texts,
                "canonical_odd": [c.canonical for c in cells],
                "status_odd": [c.status.value for c in cells],
                "reason_odd": [c.reason for c in cells],
                "suggestion_odd": [c.suggestion for c in cells],
            },
            schema={
                "input": pl.String,
                "canonical_odd": pl.String,
                "status_odd": pl.String,
                "reason_odd": pl.String,
                "suggestion_odd": pl.String,
            },
        )
        out = out.join(looked_up, on="input", how="left", maintain_order="left").with_columns(
            pl.when(pl.col("odd")).then(pl.col(f"{n}_odd")).otherwise(pl.col(n)).alias(n)
            for n in ("canonical", "status", "reason", "suggestion")
        )
    return out.select("canonical", "status", "reason", "suggestion")
