"""What validating a file found: :class:`Report`, its :class:`Problem` rows and
:class:`Duplicate` numbers, and the :class:`Tally` that counts them chunk by chunk.

However long the file, the tally keeps only the counts per status, the first problems and, per
distinct CAS number, its count and first rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from registry.bulk.cells import CellStatus
from registry.bulk.fixes import FIXED, fix_kinds, normalisation_kinds, ordered

__all__ = ["MOST_SHOWN", "Duplicate", "Problem", "Report", "Tally", "capped"]

_DUPLICATE_ROWS_KEPT = 10  # first rows listed per repeated number
# Rows whose chunk tallies are kept before they are folded into one: each fold groups the whole
# tally again, so folds are rare, and a file of a million rows needs none.
_PENDING_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class Problem:
    """A row whose CAS cell needs fixing; ``row`` is the row number a spreadsheet shows."""

    row: int
    value: str
    status: str
    reason: str
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A CAS number found on more than one row (``rows`` lists the first few)."""

    canonical: str
    count: int
    rows: tuple[int, ...]


@dataclass(slots=True)
class Report:
    """The outcome of validating one file.

    Attributes:
        path: the file validated.
        rows: data rows read (and written, when there was an output).
        counts: rows per :class:`~registry.bulk.CellStatus` value.
        settings: what was detected or given: encoding, delimiter, preamble lines, header,
            CAS column and how it was chosen, reader engine, sheet.
        problems: the invalid rows, in file order: the first ``max_problems`` of them
            (every one with ``max_problems=None``); :attr:`more_problems` says how many
            more there are, so a short list is never taken for the whole.
        duplicates: the CAS numbers that occur on most rows, most frequent first (up to
            ``max_duplicates``), each with its first rows.
        duplicate_numbers: how many distinct CAS numbers occur on more than one row.
        output: where the annotated rows went, if anywhere.
        cross_check: when the numbers were cross-checked: the ``source``, the ``columns``
            used (kind -> column name) and the rows ``confirmed``, found a ``mismatch``, ``not
            cross-checked`` (a number or name no source knows) and with a ``suggestion
            confirmed`` by the name; empty otherwise.
        normalised: ``normalised`` rows per kind of normalisation (stripped hyphens, dashes,
            prefix, leading zeros, spaces, ...); a row with two kinds counts in both.
        fixes: with ``fix``, rows given a ``cas_fixed`` number per kind of fix (the kinds of
            normalisation, ``repeated number``, ``suggestion confirmed by name``).
        fixed: with ``fix``, rows given a ``cas_fixed`` number; None without ``fix``.
    """

    path: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicate_numbers: int = 0
    output: str | None = None
    cross_check: dict[str, Any] = field(default_factory=dict)
    normalised: dict[str, int] = field(default_factory=dict)
    fixes: dict[str, int] = field(default_factory=dict)
    fixed: int | None = None

    @property
    def invalid(self) -> int:
        """Rows whose status a data steward has to fix."""
        return sum(n for status, n in self.counts.items() if CellStatus(status).is_invalid)

    @property
    def more_problems(self) -> int:
        """Invalid rows that :attr:`problems` does not list (0: the list is complete)."""
        return max(0, self.invalid - len(self.problems))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["invalid"] = self.invalid
        data["more_problems"] = self.more_problems
        return data


class Tally:
    """Counts, first problems and duplicates of a file's rows, fed chunk by chunk (:meth:`add`),
    kept small however long the file; ``first_row`` is the row number of the first data row.
    ``max_problems=None`` keeps every problem row."""

    def __init__(
        self, first_row: int, max_problems: int | None, max_duplicates: int, *, fix: bool = False
    ) -> None:
        self.first_row = first_row
        self.rows = 0
        self.counts: Counter[str] = Counter()
        self.problems: list[Problem] = []
        self.max_problems = max_problems
        self.seen = pl.DataFrame(
            schema={
                "key": pl.UInt64,
                "canonical": pl.String,
                "count": pl.UInt32,
                "rows": pl.List(pl.UInt32),
            }
        )
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = 0
        self.max_duplicates = max_duplicates
        self.summary: tuple[int, list[Duplicate]] | None = None
        self.cross: Counter[str] = Counter()
        self.normalised: Counter[str] = Counter()
        self.fixes: Counter[str] = Counter()
        self.fixed: int | None = 0 if fix else None

    def fill(self, report: Report) -> None:
        """Put what was counted into ``report``: rows, counts per status (most frequent first),
        the first problems and the duplicates."""
        report.rows = self.rows
        report.counts = _sorted_counts(self.counts)
        report.problems = self.problems
        report.duplicate_numbers, report.duplicates = self.duplicates()
        report.normalised = ordered(dict(self.normalised))
        report.fixes = ordered(dict(self.fixes))
        report.fixed = self.fixed

    def _merge(self) -> None:
        """Fold the pending chunk tallies into one; memory follows distinct numbers, not rows."""
        if not self.pending:
            return
        self.seen = (
            pl.concat([self.seen, *self.pending])
            .group_by("key")
            .agg(
                pl.col("canonical").first(),
                pl.col("count").sum(),
                _first_rows(pl.col("rows")),
            )
        )
        self.pending = []
        self.pending_rows = 0

    def add(self, values: pl.Series, cells: pl.DataFrame) -> None:
        start = self.first_row + self.rows
        rows = pl.int_range(start, start + cells.height, dtype=pl.UInt32, eager=True)
        # Nearly every row is valid: count those with one comparison, group only the others.
        status = cells.get_column("status")
        others = status.filter(status != CellStatus.VALID.value)
        if valid := status.len() - others.len():
            self.counts[CellStatus.VALID.value] += valid
        self.counts.update(dict(others.value_counts().iter_rows()))
        if others.len():
            self.normalised.update(normalisation_kinds(cells))
        if FIXED in cells.columns:
            fixed = cells.get_column(FIXED).is_not_null()
            self.fixed = (self.fixed or 0) + int(fixed.sum())
            if fixed.any():
                self.fixes.update(fix_kinds(cells))
        room = cells.height if self.max_problems is None else self.max_problems - len(self.problems)
        if room > 0:
            invalid = [s.value for s in CellStatus if s.is_invalid]
            frame = cells.with_columns(value=values, row=rows)
            for row in (
                frame.filter(pl.col("status").is_in(invalid)).head(room).iter_rows(named=True)
            ):
                self.problems.append(
                    Problem(
                        row["row"],
                        capped(row["value"]),
                        row["status"],
                        capped(row["reason"]),
                        row["suggestion"],
                    )
                )
        numbers = pl.DataFrame([cells.get_column("canonical"), rows.alias("row")]).drop_nulls()
        # One number is at most 12 bytes, several joined by "; " at least 16.
        several = numbers.get_column("canonical").str.len_bytes() > 12
        if several.any():
            numbers = (
                pl.concat(
                    [
                        numbers.filter(~several),
                        numbers.filter(several)
                        .with_columns(pl.col("canonical").str.split("; "))
                        .explode("canonical"),
                    ]
                ).sort("row")  # back in file order, so a number's first rows come first
            )
        # Grouped here, on the counting thread while the next chunk is classified, by a 64-bit
        # hash of the number (cheaper than by text). The order of rows within
        # a group follows the input, so the first rows stay first.
        tallied = numbers.group_by(pl.col("canonical").hash(seed=0).alias("key")).agg(
            pl.col("canonical").first(),
            count=pl.len().cast(pl.UInt32),
            # All the chunk's rows (cheaper than the first few); merging keeps the first few.
            rows=pl.col("row"),
        )
        self.pending.append(tallied)
        self.pending_rows += numbers.height
        if self.pending_rows > _PENDING_ROWS:
            self._merge()
        self.rows += cells.height

    def duplicates(self) -> tuple[int, list[Duplicate]]:
        """How many numbers occur more than once, and the ``max_duplicates`` most frequent;
        worked out once, after the last chunk.

        The chunk tallies are summed by number without their rows; only the numbers reported
        get their rows gathered, which keeps this last, unparallelised step short.
        """
        if self.summary is None:
            self.summary = self._duplicates()
        return self.summary

    def _duplicates(self) -> tuple[int, list[Duplicate]]:
        limit = self.max_duplicates
        tallies = pl.concat([self.seen, *self.pending])
        repeated = (
            tallies.group_by("key")
            .agg(pl.col("canonical").first(), pl.col("count").sum())
            .filter(pl.col("count") > 1)
        )
        if limit <= 0 or repeated.height == 0:
            return repeated.height, []
        # Most frequent first, ties by number (one number per key, so the order is total).
        top = repeated.top_k(limit, by=["count", "canonical"], reverse=[False, True]).sort(
            ["count", "canonical"], descending=[True, False]
        )
        rows = (
            tallies.filter(pl.col("key").is_in(top.get_column("key").implode()))
            .group_by("key", maintain_order=True)
            .agg(_first_rows(pl.col("rows")))
        )
        top = top.join(rows, on="key", how="left", maintain_order="left")
        return repeated.height, [
            Duplicate(row["canonical"], row["count"], tuple(row["rows"]))
            for row in top.iter_rows(named=True)
        ]


MOST_SHOWN = 200
"""The most characters of a cell (or reason) a report keeps: a huge cell is not copied."""


def capped(text: str | None) -> str:
    """``text`` cut to :data:`MOST_SHOWN` characters, saying how long it was.

    >>> capped("x" * 300)[-30:]
    'xxxxx… (300 characters in all)'
    """
    text = text or ""
    if len(text) <= MOST_SHOWN:
        return text
    return f"{text[:MOST_SHOWN]}… ({len(text):,} characters in all)"


def _first_rows(rows: pl.Expr) -> pl.Expr:
    """The first rows of a number from its chunk tallies' row lists, taken in file order."""
    return rows.list.explode(keep_nulls=False, empty_as_null=False).head(_DUPLICATE_ROWS_KEPT)


def _sorted_counts(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
