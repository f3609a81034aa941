"""Columns added to a DataFrame in place of a loop, in the manner of RDKit's ``PandasTools``.

Each helper takes a pandas or a polars DataFrame and gives back a new frame of the same
library with columns added after the existing ones, one value per row in row order (the
frame given is not changed; a pandas frame keeps its index):

- :func:`add_cas_checks`: the verdict on each CAS number, as ``registry validate`` writes it
  (``cas_canonical``, ``cas_status``, ``cas_reason``, ``cas_suggestion``, plus
  ``cas_normalisations``);
- :func:`add_descriptors`: the default descriptor profile (or RDKit's whole set) of each
  structure, with the Lipinski and Veber verdicts;
- :func:`add_lookups`: what the lookup chain finds for each name, CAS number, CID, InChIKey or
  SMILES (the first candidate, how many there were, and the flags).

A missing cell (None, NaN, NA, null) gets the status ``empty``; nothing raises for one bad
row. A column the frame already has is refused (``prefix=`` adds a prefix to the new ones).

>>> import polars as pl
>>> from registry.pandas import add_cas_checks
>>> add_cas_checks(pl.DataFrame({"cas": ["50-78-2", "50-78-3", None]}))["cas_status"].to_list()
['valid', 'invalid-checksum', 'empty']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from registry.frames import as_pandas, library_of
from registry.progress import ProgressOption

if TYPE_CHECKING:
    import polars as pl

    from registry.chem.descriptors import On
    from registry.config import Settings
    from registry.models import LookupResult

__all__ = ["add_cas_checks", "add_descriptors", "add_lookups"]


def add_cas_checks(frame: Any, cas: str = "cas", *, prefix: str = "cas_") -> Any:
    """``frame`` with the check of its ``cas`` column: ``{prefix}canonical``, ``status``,
    ``reason``, ``suggestion`` and ``normalisations`` (see :func:`registry.validate_many`).

    Raises:
        ValueError: ``frame`` has no column ``cas``, or already has one of the new columns.
        TypeError: ``frame`` is not a pandas or polars DataFrame.
    """
    from registry.bulk import validate_many

    column = _column(frame, cas, "cas")
    checked = validate_many(column, frame="polars").frame.drop("input")
    return _joined(frame, checked.rename({name: prefix + name for name in checked.columns}))


def add_descriptors(
    frame: Any,
    smiles: str = "smiles",
    *,
    prefix: str = "",
    on: On = "parent",
    all_descriptors: bool = False,
    workers: int | None = None,
    progress: ProgressOption = False,
) -> Any:
    """``frame`` with the descriptors of the structures in its ``smiles`` column (SMILES,
    InChI or Molfile text): ``{prefix}descriptors_status`` (``ok``, ``empty``, ``error``),
    ``descriptors_error``, one column per descriptor (``molecular_weight``, ..., ``qed``),
    ``lipinski`` and ``veber``. ``on``, ``all_descriptors``, ``workers`` and ``progress`` are
    those of :func:`registry.chem.descriptors.batch`.

    Raises:
        ValueError: ``frame`` has no column ``smiles``, or already has one of the new columns.
        TypeError: ``frame`` is not a pandas or polars DataFrame.
    """
    from registry.chem.descriptors import batch

    column = _column(frame, smiles, "smiles")
    rows = batch(
        column,
        on=on,
        all_descriptors=all_descriptors,
        workers=workers,
        progress=progress,
        frame="polars",
    )
    table = rows.to_polars().drop("input", "name", "on", "rdkit_version", "smiles")
    table = table.rename({"status": "descriptors_status", "error": "descriptors_error"})
    return _joined(frame, table.rename({name: prefix + name for name in table.columns}))


_LOOKUP_COLUMNS = (
    "status", "candidates", "source", "name", "cas", "cid", "formula", "inchikey", "smiles",
    "ambiguous", "conflict", "suggestions",
)  # fmt: skip


def add_lookups(
    frame: Any,
    query: str = "name",
    *,
    prefix: str = "lookup_",
    settings: Settings | None = None,
    exhaustive: bool = False,
    progress: ProgressOption = False,
) -> Any:
    """``frame`` with what the lookup chain finds for its ``query`` column (the own registry,
    the offline index, then PubChem unless offline; see :func:`registry.lookup_many`):
    ``{prefix}status`` (``found``, ``not found``, ``invalid-checksum``, ``empty``),
    ``candidates`` (how many), the first candidate's ``source``, ``name``, ``cas`` (numbers
    with roles, one text), ``cid``, ``formula``, ``inchikey``, ``smiles``, and the flags
    ``ambiguous`` and ``conflict`` and the ``suggestions`` for a failed CAS check digit.

    A query with several candidates shows the first: ``candidates`` and ``ambiguous`` say so,
    and ``registry.lookup_many(...).to_frame()`` lists them all.

    Raises:
        ValueError: ``frame`` has no column ``query``, or already has one of the new columns.
        TypeError: ``frame`` is not a pandas or polars DataFrame.
    """
    import polars as pl

    from registry.service.lookups import lookup_many

    column = _column(frame, query, "query")
    results = lookup_many(
        column, settings, exhaustive=exhaustive, progress=progress, frame="polars"
    )
    rows = [_first(result) for result in results]
    types = {"candidates": pl.Int64, "cid": pl.Int64, "ambiguous": pl.Boolean}
    table = pl.DataFrame(
        {name: [row[name] for row in rows] for name in _LOOKUP_COLUMNS},
        schema={name: types.get(name, pl.String) for name in _LOOKUP_COLUMNS}
        | {"conflict": pl.Boolean},
    )
    return _joined(frame, table.rename({name: prefix + name for name in table.columns}))


def _first(result: LookupResult) -> dict[str, Any]:
    """A lookup result as one row: the first candidate and the counts and flags."""
    from registry.models import joined_cas

    first = result.candidates[0] if result.candidates else None
    return {
        "status": result.status,
        "candidates": len(result.candidates),
        "source": first.source if first else None,
        "name": first.name if first else None,
        "cas": joined_cas(first.cas) if first else None,
        "cid": first.cid if first else None,
        "formula": first.formula if first else None,
        "inchikey": first.inchikey if first else None,
        "smiles": first.smiles if first else None,
        "ambiguous": result.ambiguous,
        "conflict": result.conflict,
        "suggestions": "; ".join(result.suggestions),
    }


def _column(frame: Any, name: str, parameter: str) -> Any:
    """The column ``name`` of a pandas or polars ``frame``, as a Series."""
    if library_of(frame) is None or type(frame).__name__ != "DataFrame":
        raise TypeError(f"frame must be a pandas or polars DataFrame, not {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    if name not in columns:
        raise ValueError(f"{parameter}={name!r}: the frame has no such column; it has {columns}")
    return frame[name]


def _joined(frame: Any, added: pl.DataFrame) -> Any:
    """``frame`` with the columns of ``added`` (one row per row of ``frame``) after its own."""
    clash = [name for name in added.columns if name in [str(c) for c in frame.columns]]
    if clash:
        raise ValueError(
            f"the frame already has {_listed(clash)}: give prefix= to name the new columns"
        )
    if library_of(frame) == "polars":
        return frame.hstack(added.get_columns())
    out = frame.copy()
    values = as_pandas(added)
    values.index = out.index  # row for row, whatever the frame's index
    for name in added.columns:
        out[name] = values[name]
    return out


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)
