"""Plain dataclasses that cross module boundaries (records, lookup results).

Standard library only: every layer may import these without pulling anything heavy.
"""

from __future__ import annotations

# --- Lookup results (registry.lookup) -------------------------------------------------------
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CasNumber:
    """A CAS number attached to a lookup candidate.

    Attributes:
        number: the number as found (canonical when it is valid).
        role: how the source relates it to the compound: ``primary`` (the source's own CAS
            field), ``synonym`` (found among the names), ``query`` (the number asked for).
        valid: whether its check digit holds; invalid ones are kept, flagged, never dropped.
    """

    number: str
    role: str
    valid: bool = True


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer to a lookup, from one source.

    Attributes:
        source: ``registry``, ``reference`` (the offline index) or ``pubchem``.
        retrieved: when the source's data was obtained (ISO 8601 date or timestamp).
        name: the preferred name the source gives.
        cas: every CAS number the source associates with the compound, with its role.
        formula, inchikey, cid, smiles, inchi, iupac_name, molecular_weight: identifiers.
        synonyms: other names (may be truncated by the source).
        origin: finer provenance (file, URL) of the facts.
    """

    source: str
    retrieved: str
    name: str
    cas: tuple[CasNumber, ...] = ()
    formula: str = ""
    inchikey: str = ""
    cid: int | None = None
    smiles: str = ""
    inchi: str = ""
    iupac_name: str = ""
    molecular_weight: float | None = None
    synonyms: tuple[str, ...] = ()
    origin: str = ""

    @property
    def cas_numbers(self) -> tuple[str, ...]:
        """The numbers alone, valid ones first, in source order."""
        return tuple(c.number for c in sorted(self.cas, key=lambda c: not c.valid))


@dataclass(frozen=True, slots=True)
class LookupResult:
    """Everything the lookup chain found for one query.

    Attributes:
        query: the query as given.
        kind: what the query was taken for (``cas``, ``cid``, ``inchikey``, ``inchi``,
            ``smiles``, ``name``).
        candidates: every candidate from every source asked, in source order.
        ambiguous: one source gave several different compounds.
        conflict: sources disagree on the structure (InChIKey) for one CAS number.
        salt_parent: pairs of candidate indexes ``(salt, parent)`` where one is a salt or
            mixture containing the other.
        suggestions: for a CAS number failing its checksum, the likely intended numbers, known
            ones first.
        sources: the sources asked, in order.
        warnings: sources that could not answer (PubChem down, offline), in plain words.
    """

    query: str
    kind: str
    candidates: tuple[Candidate, ...] = ()
    ambiguous: bool = False
    conflict: bool = False
    salt_parent: tuple[tuple[int, int], ...] = ()
    suggestions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return bool(self.candidates)
