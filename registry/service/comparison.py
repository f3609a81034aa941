"""PubChem's computed properties side by side with RDKit's, by rules written once as data.

PubChem computes with Cactvs and XLogP3, RDKit with its own implementations; where both name a
property, :data:`RULES` says which RDKit descriptor it pairs with, how far apart the two may be
before the difference is flagged, and, where they differ by definition rather than by error,
why. :func:`compare` applies them; ``tests/test_properties_rdkit.py`` applies them to every
recorded compound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.descriptor_models import DescriptorValue
from registry.property_models import Difference, Property

__all__ = ["RULES", "Rule", "compare", "rdkit_values"]


@dataclass(frozen=True, slots=True)
class Rule:
    """How one PubChem property compares with one RDKit descriptor.

    ``tolerance`` is absolute, in the property's unit; ``reason`` is empty where the two
    definitions agree, so that any difference beyond the tolerance is an error to look at.
    """

    pubchem: str
    rdkit: str
    tolerance: float
    reason: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        "TPSA", "tpsa", 0.5,
        "PubChem's TPSA (Cactvs) adds polar S and P contributions; RDKit's default counts "
        "N and O only, as Ertl's original definition does",
    ),
    Rule(
        "XLogP", "logp", 1.0,
        "XLogP3 (atom types with a correction from a similar known compound) is not Crippen's "
        "atom-contribution logP (RDKit's MolLogP); they differ by design",
    ),
    Rule(
        "HBondDonorCount", "hbd", 0.0,
        "PubChem counts donors by Cactvs's rules; RDKit's CalcNumHBD counts N-H and O-H "
        "groups by its own SMARTS",
    ),
    Rule(
        "HBondAcceptorCount", "hba", 0.0,
        "PubChem counts every N, O and F with a lone pair (anions and halides too); RDKit's "
        "CalcNumHBA uses a narrower set of acceptor SMARTS",
    ),
    Rule(
        "RotatableBondCount", "rotatable_bonds", 0.0,
        "PubChem's rotatable-bond rule (Cactvs) counts bonds RDKit's strict rule leaves out "
        "(amide C-N, bonds to triple bonds, some terminal groups) and vice versa",
    ),
    Rule("ExactMass", "exact_mass", 0.001),
    Rule("HeavyAtomCount", "heavy_atoms", 0.0),
    Rule("Charge", "formal_charge", 0.0),
)  # fmt: skip


def rdkit_values(structure: str) -> tuple[dict[str, DescriptorValue], str]:
    """RDKit's default profile of a structure (SMILES or InChI) as given, salts included as
    PubChem computes them, and RDKit's version; empty when RDKit cannot read it."""
    from registry.chem.descriptors import default_values
    from registry.chem.structures import capture_rdkit_log, parse, rdkit_version
    from registry.errors import InvalidStructure

    try:
        mol = parse(structure)
    except InvalidStructure:
        return {}, rdkit_version()
    with capture_rdkit_log():  # QED warns on stderr about lone hydrogens ([H+])
        return default_values(mol, numeric_only=True), rdkit_version()


def compare(
    computed: Sequence[Property], rdkit: Mapping[str, DescriptorValue]
) -> tuple[Difference, ...]:
    """Each rule whose PubChem property is among ``computed``, side by side with RDKit's value.

    >>> compare([Property("TPSA", 25.3, source="pubchem")], {"tpsa": 0.0})[0].differs
    True
    >>> compare([Property("HeavyAtomCount", 6.0)], {"heavy_atoms": 6})[0].differs
    False
    """
    ours = {p.name: p.value for p in computed}
    out = []
    for rule in RULES:
        if rule.pubchem not in ours:
            continue
        theirs = rdkit.get(rule.rdkit)
        pubchem = ours[rule.pubchem]
        rdkit_value = float(theirs) if isinstance(theirs, int | float) else None
        differs = (
            pubchem is not None
            and rdkit_value is not None
            and math.isfinite(rdkit_value)
            and abs(pubchem - rdkit_value) > rule.tolerance + 1e-9
        )
        out.append(
            Difference(
                pubchem_name=rule.pubchem,
                rdkit_name=rule.rdkit,
                pubchem=pubchem,
                rdkit=rdkit_value,
                tolerance=rule.tolerance,
                differs=differs,
                reason=rule.reason if differs else "",
            )
        )
    return tuple(out)
