"""What the fake PubChem server reads from the recordings beyond replaying them: computed
properties of compound records, the identity and computed properties of PUG-View records, and
PUG-View records pruned to one heading as ``?heading=`` does (see fake_pubchem.py)."""

from __future__ import annotations

from typing import Any

#: PubChem's computed properties as pubchempy names them on a parsed record.
PUBCHEMPY_COMPUTED = {
    "XLogP": "xlogp",
    "TPSA": "tpsa",
    "Complexity": "complexity",
    "HBondDonorCount": "h_bond_donor_count",
    "HBondAcceptorCount": "h_bond_acceptor_count",
    "RotatableBondCount": "rotatable_bond_count",
    "ExactMass": "exact_mass",
    "MonoisotopicMass": "monoisotopic_mass",
    "Charge": "charge",
    "HeavyAtomCount": "heavy_atom_count",
    "IsotopeAtomCount": "isotope_atom_count",
    "DefinedAtomStereoCount": "defined_atom_stereo_count",
    "UndefinedAtomStereoCount": "undefined_atom_stereo_count",
    "CovalentUnitCount": "covalent_unit_count",
}
#: The same properties under their PUG-View headings.
VIEW_COMPUTED = {
    "XLogP3": "XLogP",
    "Topological Polar Surface Area": "TPSA",
    "Complexity": "Complexity",
    "Hydrogen Bond Donor Count": "HBondDonorCount",
    "Hydrogen Bond Acceptor Count": "HBondAcceptorCount",
    "Rotatable Bond Count": "RotatableBondCount",
    "Exact Mass": "ExactMass",
    "Monoisotopic Mass": "MonoisotopicMass",
    "Formal Charge": "Charge",
    "Heavy Atom Count": "HeavyAtomCount",
    "Isotope Atom Count": "IsotopeAtomCount",
    "Defined Atom Stereocenter Count": "DefinedAtomStereoCount",
    "Undefined Atom Stereocenter Count": "UndefinedAtomStereoCount",
    "Covalently-Bonded Unit Count": "CovalentUnitCount",
}


def recorded_smiles(record: dict[str, Any]) -> str:
    """The isomeric SMILES of a record from before PubChem's 2025 renaming, which pubchempy
    1.0.5 no longer reads (it looks for the new "Absolute" name)."""
    for prop in record.get("props", []):
        urn = prop.get("urn", {})
        if urn.get("label") == "SMILES" and urn.get("name") in ("Isomeric", "Absolute"):
            return str(prop["value"]["sval"])
    return ""


def computed_of(parsed: Any) -> dict[str, Any]:
    """The computed properties of a record pubchempy parsed, as a property table row has them
    (PubChem sends the masses as text since 2023)."""
    out = {}
    for name, attribute in PUBCHEMPY_COMPUTED.items():
        try:
            value = getattr(parsed, attribute)
        except (KeyError, AttributeError, TypeError):
            continue
        if value is not None:
            out[name] = str(value) if name in ("ExactMass", "MonoisotopicMass") else value
    return out


def view_facts(record: dict[str, Any]) -> dict[str, Any]:
    """The first value under each heading of a PUG-View record's identity and property parts."""
    facts: dict[str, Any] = {}

    def walk(sections: list[dict[str, Any]]) -> None:
        for section in sections:
            heading = section.get("TOCHeading", "")
            for info in section.get("Information", [])[:1]:
                value = info.get("Value", {})
                if "Number" in value:
                    facts.setdefault(heading, value["Number"][0])
                elif heading.endswith("Synonyms"):
                    facts.setdefault(heading, [m["String"] for m in value["StringWithMarkup"]])
                elif "StringWithMarkup" in value:
                    facts.setdefault(heading, value["StringWithMarkup"][0]["String"])
            if heading != "Experimental Properties":
                walk(section.get("Section", []))

    walk(record.get("Section", []))
    return facts


def pruned(record: dict[str, Any], heading: str) -> dict[str, Any] | None:
    """The record with only the sections on the way to ``heading`` and everything under it."""

    def keep(section: dict[str, Any]) -> dict[str, Any] | None:
        if str(section.get("TOCHeading", "")).lower() == heading:
            return section
        inner = [k for k in (keep(s) for s in section.get("Section", [])) if k is not None]
        if not inner:
            return None
        return {**{k: v for k, v in section.items() if k != "Information"}, "Section": inner}

    sections = [k for k in (keep(s) for s in record.get("Section", [])) if k is not None]
    if not sections:
        return None
    used: set[int] = set()

    def collect(items: list[dict[str, Any]]) -> None:
        for section in items:
            used.update(i.get("ReferenceNumber", 0) for i in section.get("Information", []))
            collect(section.get("Section", []))

    collect(sections)
    references = [r for r in record.get("Reference", []) if r.get("ReferenceNumber") in used]
    return {**record, "Section": sections, "Reference": references}
