"""The verdict on each CAS cell of a file: :func:`classify_cell` and :func:`classify_cells`.

A cell is more than one value for :func:`registry.cas.check`: placeholders (``---``, ``NA``,
``NOCAS_872425``), several numbers in one cell, and a number embedded in text each get their
own :class:`CellStatus`. :func:`classify_cell` is the scalar rule; :func:`classify_cells` gives
the same verdicts for a whole column, vectorised, and :func:`scan_cells` with
:func:`classify_scanned` are :func:`classify_cells` in two steps, for a pipeline that runs them
on different threads.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from registry import cas
from registry.bulk.normalise import (
    NO_TEXT,
    REASONS,
    as_frame,
    collect,
    each_once,
    fast_query,
    patched,
    plain_text,
    worded_prefixes,
)
from registry.bulk.scan import canonical_codes, code_columns, with_check_digits
from registry.cas import CasCheck, CasStatus

__all__ = [
    "LONGEST_CELL",
    "Cell",
    "CellScan",
    "CellStatus",
    "cells_frame",
    "classify_cell",
    "classify_cells",
    "classify_scanned",
    "scan_cells",
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
    MISMATCH = "mismatch"
    """A valid number that a source gives to another substance than the row names."""

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
        CellStatus.MISMATCH,
    }
)


@dataclass(frozen=True, slots=True)
class Cell:
    """The verdict on one cell: ``canonical`` joins several numbers with ``"; "``."""

    canonical: str | None
    status: CellStatus
    reason: str
    suggestion: str | None = None
    fixed: str | None = None
    """The corrected number where ``fix`` was asked for and the correction is unambiguous
    (see :mod:`registry.bulk.fixes`)."""


# What stands in for "no number" in a cell, matched whole and without case, by Python's re
# here and by Rust's regex in polars (_RUST_PLACEHOLDER): only syntax the two share.
_PLACEHOLDER_PATTERN = (
    r"-+|\?+|n/?a|n\.a\.?|none|nil|null|unknown|not (?:available|applicable|assigned)|"
    r"nocas(?:[_-]?[0-9a-z]+)?"
)
_PLACEHOLDER = re.compile(_PLACEHOLDER_PATTERN, re.IGNORECASE)
_SEPARATORS = re.compile(r"[/,;\s]+")
_NUMBERISH = re.compile(r"[0-9][0-9-]*[0-9]").fullmatch
# A number in text: a whole run of digits and hyphens in the shape of a CAS number.
_EMBEDDED = re.compile(rf"(?<![0-9-]){cas.SHAPE_PATTERN}(?![0-9-])")


def _suggestion(check: CasCheck) -> str | None:
    """The likeliest intended number: the same digits with the check digit corrected."""
    if check.status is CasStatus.INVALID_CHECKSUM and check.digits is not None:
        return f"{check.digits[:-1]}{check.expected_check_digit}"
    return None


def _from_check(check: CasCheck) -> Cell:
    return Cell(check.canonical, CellStatus(check.status.value), check.reason, _suggestion(check))


def _several(parts: list[str], how: str) -> Cell:
    checks = [cas.check(part) for part in parts]
    # A number repeated in the cell is named once, with how often it is there.
    words = [f"{c.canonical} (valid)" if c.is_valid else f"{c.input} ({c.reason})" for c in checks]
    times = Counter(words)
    described = ", ".join(
        word if times[word] == 1 else f"{word} {times[word]} times" for word in times
    )
    canonical = "; ".join(dict.fromkeys(c.canonical for c in checks if c.canonical)) or None
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


def _too_long(size: int) -> Cell:
    return Cell(
        None, CellStatus.INVALID_FORMAT, f"{size:,} characters: far too long for a CAS cell"
    )


LONGEST_CELL = 100_000
"""Characters beyond which a cell is refused whole (several thousand numbers fit below it)."""


def classify_cell(value: str | int | None) -> Cell:
    """The verdict on one cell of a file (scalar twin of :func:`classify_cells`).

    >>> classify_cell("68-22-4/   57-63-6").canonical
    '68-22-4; 57-63-6'
    >>> classify_cell("NOCAS_872425").status.value, classify_cell("Chromium (7440-47-3)").canonical
    ('placeholder', '7440-47-3')
    """
    if value is None:
        value = ""
    if isinstance(value, str) and len(value) > LONGEST_CELL:
        return _too_long(len(value))  # spared the copies a full normalisation would make
    check = cas.check(value)
    if check.status is CasStatus.INVALID_FORMAT and isinstance(value, str):
        return _beyond_format(value, check)
    cell = _from_check(check)
    if isinstance(value, int) and check.is_valid:
        return Cell(cell.canonical, CellStatus.NUMBER, f"stored as the number {value}")
    return cell


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


# The status of a number in canonical form, by whether its check digit fails.
_CELL_STATUS_NAMES = pl.lit(
    pl.Series([CellStatus.VALID.value, CellStatus.INVALID_CHECKSUM.value], dtype=pl.String)
)


def classify_cells(values: Iterable[object]) -> pl.DataFrame:
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
    """What :func:`registry.bulk.scan.canonical_codes` says of every value."""
    rest: pl.Series
    """The rows of the values not in canonical form, left for :func:`classify_scanned`."""
    cells: pl.DataFrame
    """The result columns, right for the values in canonical form (the others to be patched
    in by :func:`classify_scanned`)."""
    huge: dict[int, int] | None = None
    """The rows of cells longer than :data:`LONGEST_CELL`, with their lengths: set aside
    (every step of the classification would copy them), refused whole at the end."""


def scan_cells(values: Iterable[object]) -> CellScan:
    """The first pass of :func:`classify_cells`: which values are numbers in canonical form,
    and their check digits. :func:`classify_scanned` finishes the work; the two are apart so
    that a pipeline can run them on different threads."""
    frame = as_frame(values)
    sizes = frame.get_column("input").str.len_bytes()
    huge: dict[int, int] | None = None
    if (sizes.max() or 0) > LONGEST_CELL:  # type: ignore[operator]
        long = (sizes > LONGEST_CELL).arg_true()
        if long.len():
            lengths = frame.get_column("input").gather(long).str.len_chars()
            huge = dict(zip(long.to_list(), lengths.to_list(), strict=True))
            short = pl.col("input").str.len_bytes() <= LONGEST_CELL
            frame = frame.with_columns(pl.when(short).then(pl.col("input")).otherwise(pl.lit("")))
    text = frame.get_column("input")
    codes = canonical_codes(text)
    rest = (codes == 0).arg_true()
    return CellScan(frame, codes, rest, _first_pass_cells(text, codes), huge)


def classify_scanned(scan: CellScan) -> pl.DataFrame:
    """:func:`classify_cells` of the values :func:`scan_cells` has scanned. The scan is used
    up: its columns are patched in place (see :func:`registry.bulk.normalise.patched`)."""
    frame, _, rest, cells, huge = scan
    if rest.len():
        cells = pl.DataFrame(patched(cells, rest, _classify_rest(frame[rest])))
    if huge:
        index = pl.Series(list(huge), dtype=pl.UInt32)
        cells = pl.DataFrame(
            patched(cells, index, cells_frame([_too_long(n) for n in huge.values()]))
        )
    return cells


def _first_pass_cells(text: pl.Series, codes: pl.Series) -> pl.DataFrame:
    """The result columns for the values in canonical form (the others' to be patched in),
    from their codes."""
    rows = code_columns(codes)
    bad = rows.get_column("bad").arg_true()
    suggestion = pl.repeat(None, text.len(), dtype=pl.String, eager=True)
    if bad.len():
        # The same digits with the check digit they call for (what classify_cell suggests).
        expected = rows.get_column("expected").gather(bad).cast(pl.String)
        suggestion.scatter(bad, text.gather(bad).str.head(-1) + expected)
    return rows.select(
        canonical=text.zip_with(rows.get_column("ok"), NO_TEXT),
        status=_CELL_STATUS_NAMES.gather(pl.col("bad").cast(pl.UInt8)),
        reason=REASONS.gather(pl.when(pl.col("bad")).then(pl.col("checksum_reason"))),
        suggestion=suggestion,
    )


def _classify_rest(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`classify_cells` for values that are not canonical: the full normalisation.

    One query settles the shapes :func:`fast_query` knows; a second, on the rows left, the
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
    settled = collect(
        fast_query(frame.lazy()).select(
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
    settled = worded_prefixes(settled)
    slow = (~settled.get_column("fast")).arg_true()
    cells = settled.drop("fast")
    if slow.len() == 0:
        return cells
    left = frame[slow]
    plain = collect(_plain_cells(plain_text(left.lazy())), left.height)
    rest = (~plain.get_column("settled")).arg_true()
    plain = plain.drop("settled")
    if rest.len():
        plain = pl.DataFrame(
            patched(plain, rest, cells_frame(each_once(left, rest, classify_cell)))
        )
    return pl.DataFrame(patched(cells, slow, plain))


_RUST_PLACEHOLDER = f"(?i)^(?:{_PLACEHOLDER_PATTERN})$"
_RUNS = r"[0-9-]+"
_SHAPED_RUN = f"^{cas.SHAPE_PATTERN}$"
_CANONICAL_RUN = f"^{cas.CANONICAL_PATTERN}$"


def _plain_cells(plain: pl.LazyFrame) -> pl.LazyFrame:
    """What :func:`classify_cell` says about rows of :func:`plain_text`, for the ``plain``
    ones where it can be said without Python (column ``settled``): a placeholder, or text
    around exactly one number in canonical form.

    A CAS number found in text (``_EMBEDDED``) is a whole maximal run of digits and hyphens,
    so a run is matched in full instead of using look-arounds, which Rust lacks. Cells with
    more than one such run, with nothing but numbers between separators ("several numbers"),
    with a number with leading zeros in the text, or with no number at all, are left to
    Python (the reason for text without a number lists its odd characters, which Python
    words more cheaply than polars' list expressions).
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
            (pl.col("runs") == 1) & pl.col("inner").str.contains(_SHAPED_RUN).fill_null(False)
        ).cast(pl.UInt32),
    )
    # The check digits of the run (of "" where there is none), all in the same query.
    framed = (
        framed.with_columns(inner_text=pl.col("inner").fill_null(""))
        .pipe(with_check_digits, "inner_text")
        .with_columns(
            inner_ok=pl.col("expected") == pl.col("found"),
            inner_expected=pl.col("expected").cast(pl.String),
            inner_found=pl.col("found").cast(pl.String),
            canonical_inner=pl.col("inner_text").str.contains(_CANONICAL_RUN),
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
