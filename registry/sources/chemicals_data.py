"""The PubChem-derived identifier table that the ``chemicals`` package ships.

``chemicals`` bundles ``chemical identifiers pubchem large.tsv``: PubChem compounds with CID, CAS
number, formula, molecular weight, SMILES, InChI, InChIKey, IUPAC name and synonyms. The file
is located through the import system without executing the package, whose import loads numpy
and ``fluids``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from registry.errors import NotFound

__all__ = ["PubChemRow", "iter_pubchem_rows", "pubchem_tsv_path"]

_TSV_NAME = "chemical identifiers pubchem large.tsv"


@dataclass(frozen=True, slots=True)
class PubChemRow:
    """One line of the table; ``inchi`` has its ``InChI=1S/`` prefix restored."""

    cid: int
    cas: str
    formula: str
    molecular_weight: float
    smiles: str
    inchi: str
    inchikey: str
    iupac_name: str
    common_name: str
    synonyms: tuple[str, ...]


def pubchem_tsv_path() -> Path:
    """Where the installed ``chemicals`` package keeps its PubChem table."""
    spec = importlib.util.find_spec("chemicals")
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("the 'chemicals' package is not installed; pip install chemicals")
    for location in spec.submodule_search_locations:
        path = Path(location) / "Identifiers" / _TSV_NAME
        if path.is_file():
            return path
    raise NotFound(f"the 'chemicals' package has no {_TSV_NAME!r}")


def iter_pubchem_rows(
    path: Path | None = None, *, read: Callable[[int], None] | None = None
) -> Iterator[PubChemRow]:
    """Every row of the table, in file order; ``read(n)`` is told every few thousand lines
    that ``n`` more characters were read (for a progress bar)."""
    with (path or pubchem_tsv_path()).open(encoding="utf-8") as handle:
        since = 0
        for number, line in enumerate(handle, 1):
            if read is not None:
                since += len(line)
                if number % 4096 == 0:
                    read(since)
                    since = 0
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 8:
                continue
            cid, cas, formula, weight, smiles, inchi, inchikey, iupac = fields[:8]
            names = tuple(fields[8:])
            yield PubChemRow(
                cid=int(cid),
                cas=cas,
                formula=formula,
                molecular_weight=float(weight),
                smiles=smiles,
                inchi=f"InChI=1S/{inchi}" if inchi else "",
                inchikey=inchikey,
                iupac_name=iupac,
                common_name=names[0] if names else "",
                synonyms=names,
            )
