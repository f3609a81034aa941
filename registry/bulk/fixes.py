"""What ``--fix`` may change, and the kinds of normalisation a file's cells needed.

:func:`with_fixes` adds the ``fixed`` column: the corrected number where the correction is
unambiguous, and null elsewhere. Unambiguous means one of

- a normalisation: the cell is one valid number once spaces, dashes, a prefix, leading zeros
  or stripped hyphens are dealt with (status ``normalised``), or it is a number Excel stored
  as a number (``number``), or the same number repeated in one cell;
- a suggestion for a failed checksum that the row's own name confirms (the cross-check marks
  it in a ``confirmed`` column), the one candidate the name's substance has.

Never a guess: a failed checksum with no name to confirm its candidate, a ``mismatch`` (the
name or the number may be the wrong one), a number found inside other text or several
different numbers are left as they are. :func:`normalisation_kinds` and :func:`fix_kinds`
count rows per kind for the summary.
"""

from __future__ import annotations

import polars as pl

from registry.bulk.cells import CellStatus

__all__ = [
    "CONFIRMED",
    "FIXED",
    "NORMALISATION_KINDS",
    "fix_kinds",
    "normalisation_kinds",
    "ordered",
    "settled",
    "with_fixes",
]

FIXED = "fixed"
"""The verdict column of the corrected numbers (written as ``cas_fixed``)."""
CONFIRMED = "confirmed"
"""A Boolean verdict column a cross-check may add: the suggestion is confirmed by the row."""

# What each message of registry.cas.check's normalisations is, for the summary.
_KIND_OF_MESSAGE = {
    "removed surrounding whitespace": "spaces",
    "removed spaces around hyphens": "spaces",
    "replaced spaces between digit groups with hyphens": "spaces",
    "removed invisible characters": "invisible characters",
    "replaced Unicode dashes with hyphens": "dashes",
    "replaced Unicode digits or symbols with ASCII": "Unicode digits",
    "removed leading zeros": "leading zeros",
    "inserted hyphens": "stripped hyphens",
    "read from a number": "number",
}
NORMALISATION_KINDS = (
    "stripped hyphens",
    "dashes",
    "prefix",
    "leading zeros",
    "spaces",
    "invisible characters",
    "Unicode digits",
    "number",
)
"""The kinds of normalisation, in the order a summary lists them."""
_REPEATED = "repeated number"
_CONFIRMED_KIND = "suggestion confirmed by name"
_FIX_ORDER = (*NORMALISATION_KINDS, _REPEATED, _CONFIRMED_KIND)


def _kinds(reasons: pl.Series) -> dict[str, int]:
    """Rows per kind of the normalisation messages in ``reasons`` (``"; "``-joined); a row
    with two kinds counts in both."""
    if not reasons.len():
        return {}
    parts = (
        pl.DataFrame({"reason": reasons})
        .with_row_index("row")
        .with_columns(pl.col("reason").str.split("; "))
        .explode("reason")
        .with_columns(
            kind=pl.when(pl.col("reason").str.starts_with("removed prefix "))
            .then(pl.lit("prefix"))
            .otherwise(
                pl.col("reason").replace_strict(
                    _KIND_OF_MESSAGE, default="other", return_dtype=pl.String
                )
            )
        )
        .unique(["row", "kind"])
    )
    return dict(parts.get_column("kind").value_counts().iter_rows())


def normalisation_kinds(cells: pl.DataFrame) -> dict[str, int]:
    """Rows per kind of normalisation among the ``normalised`` verdicts of ``cells``."""
    status = cells.get_column("status")
    return _kinds(cells.get_column("reason").filter(status == CellStatus.NORMALISED.value))


def _repeated(cells: pl.DataFrame) -> pl.Expr:
    """One number repeated in a cell: ``multiple``, but one number in its canonical form."""
    return (
        (pl.col("status") == CellStatus.MULTIPLE.value)
        & pl.col("reason").str.contains(" in one cell: ", literal=True)
        & ~pl.col("canonical").str.contains("; ", literal=True)
    )


def with_fixes(cells: pl.DataFrame) -> pl.DataFrame:
    """``cells`` (verdict columns, perhaps with ``confirmed``) with :data:`FIXED` added after
    them and ``confirmed`` dropped (see the module's docstring)."""
    status = pl.col("status")
    confirmed = pl.col(CONFIRMED) if CONFIRMED in cells.columns else pl.lit(False)
    fixed = (
        pl.when(status.is_in([CellStatus.NORMALISED.value, CellStatus.NUMBER.value]))
        .then(pl.col("canonical"))
        .when(_repeated(cells))
        .then(pl.col("canonical"))
        .when(confirmed.fill_null(False) & pl.col("suggestion").is_not_null())
        .then(pl.col("suggestion"))
    )
    return cells.with_columns(fixed.alias(FIXED)).select(
        "canonical", "status", "reason", "suggestion", FIXED
    )


def settled(cells: pl.DataFrame, fix: bool) -> pl.DataFrame:
    """The verdict columns a writer gets: with :data:`FIXED` when ``fix``, and without the
    cross-check's ``confirmed`` marks."""
    if fix:
        return with_fixes(cells)
    if CONFIRMED in cells.columns:
        return cells.drop(CONFIRMED)
    return cells


def fix_kinds(cells: pl.DataFrame) -> dict[str, int]:
    """Rows fixed per kind in ``cells`` (with :data:`FIXED`): the kinds of normalisation of
    ``normalised`` rows, ``number``, ``repeated number``, ``suggestion confirmed by name``."""
    fixed = cells.filter(pl.col(FIXED).is_not_null())
    if not fixed.height:
        return {}
    status = fixed.get_column("status")
    counts = _kinds(fixed.get_column("reason").filter(status == CellStatus.NORMALISED.value))
    number = int((status == CellStatus.NUMBER.value).sum())
    if number:
        counts["number"] = counts.get("number", 0) + number
    repeated = int(fixed.select(_repeated(fixed).sum()).item())
    if repeated:
        counts[_REPEATED] = repeated
    failed = status.is_in([s.value for s in CellStatus if s.is_invalid])
    if confirmed := int(failed.sum()):
        counts[_CONFIRMED_KIND] = confirmed
    return counts


def ordered(counts: dict[str, int]) -> dict[str, int]:
    """``counts`` in the order summaries list kinds (unknown kinds last, by name)."""
    rank = {kind: index for index, kind in enumerate(_FIX_ORDER)}
    return dict(sorted(counts.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))
