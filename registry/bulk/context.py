"""What else a row says about its substance, for cross-checks: the name, formula, SMILES,
InChIKey and EC columns of a file, and the :class:`CrossCheck` that a caller plugs in.

``bulk`` knows files, not sources: the check itself (the offline index, the registry) is
built in ``registry.service.crosscheck`` and handed to :func:`registry.bulk.validate_csv`,
which calls it on each chunk's verdicts with the chunk's context columns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import polars as pl

from registry.bulk.cells import Cell, CellStatus
from registry.bulk.fixes import FIXED
from registry.bulk.report import Report, Tally
from registry.errors import RegistryError

__all__ = [
    "CONTEXT_KINDS",
    "CROSS_COUNTS",
    "CrossCheck",
    "as_cells",
    "cross_checked",
    "fill_cross_check",
    "find_context_columns",
    "plan_cross_check",
    "prepared_context",
]

CONTEXT_KINDS = ("name", "formula", "smiles", "inchikey", "ec")
"""The kinds of column a cross-check can use, in the order reports list them."""

# Header names, compared without case, spaces or punctuation, as the CAS column's are.
_HEADERS = {
    "name": re.compile(
        r"^(name|names|substance|substances|substancename|chemical|chemicals|chemicalname|"
        r"compound|compoundname|commonname|preferredname|iupacname|agent|substanceidentity)$"
    ),
    "formula": re.compile(r"^(formula|molecularformula|chemicalformula)$"),
    "smiles": re.compile(r"^(smiles|canonicalsmiles|isomericsmiles)$"),
    "inchikey": re.compile(r"^(inchikey|standardinchikey)$"),
    "ec": re.compile(r"^(ec|ecno|ecnr|ecnumber|einecs|einecsno|einecsnumber|ecnumbers)$"),
}


def find_context_columns(columns: Sequence[str], cas_column: int) -> dict[str, int]:
    """The first column of each kind, by header name (the CAS column aside).

    >>> find_context_columns(["Substance name", "EC No.", "CAS No.", "Molecular formula"], 2)
    {'name': 0, 'formula': 3, 'ec': 1}
    """
    found: dict[str, int] = {}
    for kind in CONTEXT_KINDS:
        pattern = _HEADERS[kind]
        for index, name in enumerate(columns):
            if index != cas_column and pattern.match(re.sub(r"[^a-z]", "", name.lower())):
                found[kind] = index
                break
    return found


class CrossCheck(Protocol):
    """Checks each chunk's verdicts against what the row's other columns say.

    ``check`` gets the verdict columns (``canonical``, ``status``, ``reason``,
    ``suggestion``), the CAS cells as text and the context columns by kind, and returns the
    verdicts (same rows, same columns) with mismatches and better suggestions, and counts
    (``confirmed``, ``mismatch``, ``not cross-checked``, ``suggestion confirmed``) to add up.
    It may add a Boolean column ``confirmed`` (:data:`registry.bulk.fixes.CONFIRMED`): the
    row's suggestion is the one its context confirms, which ``fix`` then takes.
    """

    source: str
    """What the numbers were checked against, for the report."""
    always: bool
    """Check even a file without context columns (numbers alone: suggestions a source knows)."""
    kinds: tuple[str, ...]
    """The kinds of context column it uses (of :data:`CONTEXT_KINDS`)."""

    def start(self) -> None:
        """Called once a file is known to be checked, before its rows are read: a check may
        load what it needs meanwhile (on a thread of its own)."""
        ...

    def prepare(self, context: Mapping[str, pl.Series]) -> Mapping[str, pl.Series]:
        """The context columns with what ``check`` derives from them alone (folded names,
        say): the pipeline runs this on its reading thread, beside the classification."""
        ...

    def check(
        self, cells: pl.DataFrame, values: pl.Series, context: Mapping[str, pl.Series]
    ) -> tuple[pl.DataFrame, Counter[str]]:
        """``context`` is what :meth:`prepare` gave."""
        ...


def cross_checked(
    checker: CrossCheck | None,
    context: dict[str, int],
    tally: Tally,
    cells: pl.DataFrame,
    values: pl.Series,
    columns: Callable[[int], pl.Series] | Mapping[str, pl.Series],
) -> pl.DataFrame:
    """``cells`` after ``checker`` (if any), given the context columns (``columns(i)`` is the
    chunk's column ``i``), or what :func:`prepared_context` made of them; its counts go into
    ``tally``."""
    if checker is None:
        return cells
    if callable(columns):
        columns = prepared_context(checker, context, columns)
    checked, counts = checker.check(cells, values, columns)
    if checked.height != cells.height:  # would shift every later row
        raise RegistryError(
            f"internal error: {cells.height} rows cross-checked, {checked.height} out"
        )
    tally.cross.update(counts)
    return checked


def prepared_context(
    checker: CrossCheck, context: dict[str, int], columns: Callable[[int], pl.Series]
) -> Mapping[str, pl.Series]:
    """What ``checker.prepare`` makes of a chunk's context columns (``columns(i)`` is the
    chunk's column ``i``)."""
    return checker.prepare({kind: columns(index) for kind, index in context.items()})


def as_cells(frame: pl.DataFrame) -> list[Cell]:
    """The verdicts of a frame of verdict columns (see :func:`cells_frame`)."""
    if FIXED in frame.columns:
        return [
            Cell(canonical, CellStatus(status), reason or "", suggestion, fixed)
            for canonical, status, reason, suggestion, fixed in frame.select(
                "canonical", "status", "reason", "suggestion", FIXED
            ).iter_rows()
        ]
    return [
        Cell(canonical, CellStatus(status), reason or "", suggestion)
        for canonical, status, reason, suggestion in frame.select(
            "canonical", "status", "reason", "suggestion"
        ).iter_rows()
    ]


def fill_cross_check(
    report: Report,
    tally: Tally,
    checker: CrossCheck | None,
    context: dict[str, int],
    columns: tuple[str, ...],
) -> None:
    """Say in ``report`` what was cross-checked, against what and with which columns."""
    if checker is None:
        return
    used = set(context.values())
    unchecked = {
        kind: columns[index]
        for kind, index in find_context_columns(columns, -1).items()
        if kind not in context and index not in used
    }
    report.cross_check = {
        "source": checker.source,
        "columns": {kind: columns[index] for kind, index in context.items()},
        **({"columns not checked": unchecked} if unchecked else {}),
        **{key: tally.cross.get(key, 0) for key in CROSS_COUNTS},
    }


CROSS_COUNTS = (
    "confirmed",
    "mismatch",
    "not cross-checked",
    "suggestion confirmed",
    "salt or ion form",
    "formula differs",
)
"""The counts of :attr:`Report.cross_check`, in the order reports list them."""


def plan_cross_check(
    cross_check: CrossCheck | None, columns: Sequence[str], cas_column: int
) -> tuple[CrossCheck | None, dict[str, int]]:
    """The check to run on a file with these columns (None when it has no column the check
    uses and the check is not ``always``), and the columns it uses by kind."""
    if cross_check is None:
        return None, {}
    found = find_context_columns(columns, cas_column)
    context = {kind: index for kind, index in found.items() if kind in cross_check.kinds}
    if not context and not cross_check.always:
        return None, {}
    cross_check.start()
    return cross_check, context
