"""Properties with their provenance: computed and measured values, GHS hazards, comparisons.

Standard library only, like :mod:`registry.models` (which re-exports :class:`Property`): every
layer may import these. A :class:`Property` is one value as a source gave it; several values of
one property (five melting points from five references) are all kept, none preferred.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "CompoundProperties",
    "Difference",
    "GhsClassification",
    "HazardStatement",
    "Property",
    "PropertyResults",
]


@dataclass(frozen=True, slots=True)
class Property:
    """A computed or measured property, with where it came from.

    Attributes:
        name: the property (PubChem's spelling for PubChem values: ``XLogP``, ``Melting Point``).
        value: the number, or None when the text gives none (``"Miscible with ethanol"``).
        unit: the unit of ``value`` in a normal spelling (``°C``, ``mmHg``, ``g/cm3``), ``""``
            for a count or a dimensionless number.
        source: ``pubchem``, ``rdkit``, ``user``...
        toolkit_version: the version of the toolkit that computed it (RDKit values).
        text: the value as the source wrote it (``"176 °F (NTP, 1992)"``).
        upper: the upper end when the text gives a range (``"80 to 81 °C"``).
        conditions: what the text says besides the value (``"at 20 °C"``, ``"(NTP, 1992)"``).
        reference: the source's own reference (``"CAMEO Chemicals #1"``).
        retrieved: when the value was obtained (ISO 8601).
        cid: the PubChem CID the value belongs to.
        kind: ``computed``, ``experimental`` or ``""``.
    """

    name: str
    value: float | None
    unit: str = ""
    source: str = ""
    toolkit_version: str = ""
    text: str = ""
    upper: float | None = None
    conditions: str = ""
    reference: str = ""
    retrieved: str = ""
    cid: int | None = None
    kind: str = ""

    @property
    def parsed(self) -> bool:
        """Whether the text gave a number (with its unit where the property has one)."""
        return self.value is not None


@dataclass(frozen=True, slots=True)
class HazardStatement:
    """One GHS hazard statement: ``H225``, its text, the share of notifiers that gave it."""

    code: str
    text: str
    percent: float | None = None


@dataclass(frozen=True, slots=True)
class GhsClassification:
    """One source's GHS classification of a compound (PubChem lists one per source).

    Attributes:
        signal: the signal word (``Danger``, ``Warning``) or ``""``.
        pictograms: ``(code, meaning)`` pairs such as ``("GHS02", "Flammable")``.
        statements: the hazard statements with their codes.
        precautionary: the precautionary codes (``P210``, ``P301+P310``...).
        notes: any other text of the classification, kept as written.
        reference: the source's name and PubChem's reference number.
        cid, retrieved: where and when.
    """

    signal: str = ""
    pictograms: tuple[tuple[str, str], ...] = ()
    statements: tuple[HazardStatement, ...] = ()
    precautionary: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reference: str = ""
    cid: int | None = None
    retrieved: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        """The hazard statement codes, in the source's order."""
        return tuple(s.code for s in self.statements)


@dataclass(frozen=True, slots=True)
class Difference:
    """A computed property both PubChem and RDKit give, side by side.

    ``differs`` is True when the two are further apart than ``tolerance``; ``reason`` says why
    they may differ by definition (not by error), from the comparison rules.
    """

    pubchem_name: str
    rdkit_name: str
    pubchem: float | None
    rdkit: float | None
    tolerance: float
    differs: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CompoundProperties:
    """Everything asked about one query's compound, or why it could not be answered.

    Attributes:
        query: the query as given.
        cid, name, smiles: the PubChem compound the values belong to (None/"" when not found).
        computed: PubChem's computed properties (from the batched property request).
        experimental: measured values from PUG-View, every one kept (asked only on request).
        hazards: GHS classifications, one per source (asked only on request).
        comparison: the computed values RDKit also computes, side by side.
        retrieved: when PubChem answered.
        error: why something asked for is missing (PubChem unavailable, offline cache miss,
            no such compound); ``""`` when everything asked for was answered.
        unavailable: the error is PubChem being unreachable or offline (worth a retry), not
            an answer.
    """

    query: str
    cid: int | None = None
    name: str = ""
    smiles: str = ""
    computed: tuple[Property, ...] = ()
    experimental: tuple[Property, ...] = ()
    hazards: tuple[GhsClassification, ...] = ()
    comparison: tuple[Difference, ...] = ()
    retrieved: str = ""
    error: str = ""
    unavailable: bool = False

    @property
    def found(self) -> bool:
        """Whether PubChem knows the query."""
        return self.cid is not None

    def values(self) -> tuple[Property, ...]:
        """Computed, then experimental values."""
        return self.computed + self.experimental

    def row(self) -> dict[str, Any]:
        """One flat row: the compound, then one column per property (values joined by ``; ``).

        A property with several values keeps them all, as written (``"80.1 °C; 176 °F"``);
        a computed one gives its number.
        """
        out: dict[str, Any] = {"query": self.query, "cid": self.cid, "name": self.name}
        for p in self.computed:
            out[p.name] = p.value
        texts: dict[str, list[str]] = {}
        for p in self.experimental:
            texts.setdefault(p.name, []).append(p.text)
        out.update({name: "; ".join(values) for name, values in texts.items()})
        if self.hazards:
            out["GHS Signal"] = "; ".join(dict.fromkeys(h.signal for h in self.hazards if h.signal))
            codes = (c for h in self.hazards for c in h.codes)
            out["GHS Hazard Statements"] = " ".join(dict.fromkeys(codes))
            pictograms = (code for h in self.hazards for code, _ in h.pictograms)
            out["GHS Pictograms"] = " ".join(dict.fromkeys(pictograms))
        out["error"] = self.error
        return out

    def to_frame(self) -> Any:
        """Every value, one row each (property, value, unit, text, conditions, reference...)."""
        return _frame([asdict(p) for p in self.values()])


class PropertyResults(tuple[CompoundProperties, ...]):
    """Results in query order; ``to_frame()`` gives one row per compound."""

    __slots__ = ()

    @property
    def failed(self) -> tuple[CompoundProperties, ...]:
        """The results with something missing (each says what in ``error``)."""
        return tuple(r for r in self if r.error)

    def to_frame(self) -> Any:
        """One row per query, one column per property (see :meth:`CompoundProperties.row`)."""
        return _frame([r.row() for r in self])


def _frame(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd  # type: ignore[import-untyped]  # heavy: only for a DataFrame

    return pd.DataFrame(rows)
