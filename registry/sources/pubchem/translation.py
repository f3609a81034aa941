"""PubChem's answers in the registry's terms: property rows to candidates, records via pubchempy.

The only module of the registry that imports :mod:`pubchempy`. Requests keep pubchempy's shape
(its URL layout, identifiers POSTed as ``namespace=value``, its property names) but go through
the registry's own transport; pubchempy's :class:`~pubchempy.Compound` parses full records here.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pubchempy  # type: ignore[import-untyped]

from registry.errors import PubChemError
from registry.identifiers import cas_from_synonyms
from registry.models import Candidate
from registry.property_models import Property

__all__ = [
    "COMPUTED",
    "IDENTITY",
    "PROPERTIES",
    "Compound",
    "candidate_from_properties",
    "compound_records",
    "computed_properties",
]

#: Identity properties fetched for each candidate. PubChem answers ``SMILES`` for
#: ``IsomericSMILES`` (a 2025 renaming); both spellings are read back.
IDENTITY = ("Title", "MolecularFormula", "MolecularWeight", "IsomericSMILES", "InChI", "InChIKey",
            "IUPACName")  # fmt: skip
#: PubChem's computed properties, as PUG-REST spells them, with their units (``""`` for counts
#: and dimensionless numbers). They ride in the same property request as the identity.
COMPUTED: dict[str, str] = {
    "XLogP": "",
    "TPSA": "Å²",
    "Complexity": "",
    "HBondDonorCount": "",
    "HBondAcceptorCount": "",
    "RotatableBondCount": "",
    "ExactMass": "Da",
    "MonoisotopicMass": "Da",
    "Charge": "e",
    "HeavyAtomCount": "",
    "IsotopeAtomCount": "",
    "DefinedAtomStereoCount": "",
    "UndefinedAtomStereoCount": "",
    "CovalentUnitCount": "",
}
#: Every property of the one batched property request.
PROPERTIES = (*IDENTITY, *COMPUTED)
_SYNONYMS_KEPT = 20

#: A full PubChem compound record as pubchempy parses it.
Compound: TypeAlias = pubchempy.Compound


def candidate_from_properties(
    props: dict[str, Any], synonyms: list[str], fetched: str, base: str
) -> Candidate:
    """A lookup candidate from one row of a PUG-REST property table and the CID's synonyms.

    Args:
        props: the row (``CID`` and the :data:`PROPERTIES`), as PubChem's JSON gives it.
        synonyms: the CID's synonyms in PubChem's order; its CAS numbers come from them.
        fetched: when PubChem answered (ISO 8601), the candidate's retrieval date.
        base: the PUG-REST base URL, for the candidate's origin.

    >>> c = candidate_from_properties({"CID": 2244, "Title": "Aspirin", "SMILES": "CC(=O)O",
    ...     "MolecularWeight": "180.16"}, ["aspirin", "50-78-2"], "2026-01-01", "https://x")
    >>> c.name, c.cid, [n.number for n in c.cas], c.molecular_weight, c.origin
    ('Aspirin', 2244, ['50-78-2'], 180.16, 'https://x/compound/cid/2244')
    """
    cid = int(props["CID"])
    weight = props.get("MolecularWeight")
    computed = computed_properties(props, fetched)
    return Candidate(
        source="pubchem",
        retrieved=fetched,
        name=str(props.get("Title") or (synonyms[0] if synonyms else "")),
        cas=cas_from_synonyms(synonyms),
        formula=str(props.get("MolecularFormula", "")),
        inchikey=str(props.get("InChIKey", "")),
        cid=cid,
        smiles=str(props.get("SMILES") or props.get("IsomericSMILES") or ""),
        inchi=str(props.get("InChI", "")),
        iupac_name=str(props.get("IUPACName", "")),
        molecular_weight=float(weight) if weight not in (None, "") else None,
        synonyms=tuple(synonyms[:_SYNONYMS_KEPT]),
        origin=f"{base}/compound/cid/{cid}",
        properties=computed,
    )


def computed_properties(props: dict[str, Any], fetched: str) -> tuple[Property, ...]:
    """PubChem's computed properties in one row of a property table, in :data:`COMPUTED` order.

    A property PubChem leaves out (no XLogP for a salt) is left out; numbers PubChem sends as
    text (``"ExactMass": "180.04225873"``) are read as numbers, and the text is kept.

    >>> [(p.name, p.value, p.unit) for p in computed_properties(
    ...     {"CID": 241, "TPSA": 0, "ExactMass": "78.04695"}, "2026-01-01")]
    [('TPSA', 0.0, 'Å²'), ('ExactMass', 78.04695, 'Da')]
    """
    cid = int(props["CID"])
    out = []
    for name, unit in COMPUTED.items():
        raw = props.get(name)
        if raw is None or raw == "":
            continue
        try:
            value: float | None = float(raw)
        except (TypeError, ValueError):
            value = None  # kept as text below; PubChem has not sent one so far
        out.append(
            Property(
                name=name,
                value=value,
                unit=unit,
                source="pubchem",
                text=str(raw),
                retrieved=fetched,
                cid=cid,
                kind="computed",
            )
        )
    return tuple(out)


def compound_records(data: Any) -> list[Compound]:
    """The compounds of a PUG-REST ``compound/.../JSON`` answer, parsed by pubchempy.

    Raises:
        PubChemError: the answer is not a list of compound records pubchempy can read.
    """
    try:
        return [pubchempy.Compound(record) for record in data["PC_Compounds"]]
    except (pubchempy.PubChemPyError, KeyError, TypeError, ValueError) as error:
        raise PubChemError(f"unreadable PubChem compound record: {error}") from error
