"""Which structure each of a compound's numbers describes: as registered, or its parent.

A compound is registered as given (sertraline hydrochloride, ``...c21.Cl``): its ``smiles``,
``formula`` and InChIKey are of that whole structure. Its stored descriptors are computed on the
standardised parent (the largest organic fragment, neutralised: sertraline), as they are for
every compound, since that is what a chemist compares. For a salt, solvate, mixture or charged
structure the two differ, and :func:`forms_of` gives both, labelled::

    as registered: C17H18Cl3N, 342.7 g/mol
    parent:        C17H17Cl2N, 306.2 g/mol   (the stored descriptors)

Where they cannot differ (no counter-ion and no charge) nothing is computed: both are the
compound's own formula with its stored molecular weight, and RDKit is not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.models import Compound

__all__ = ["Form", "Forms", "can_differ", "forms_of"]


@dataclass(frozen=True, slots=True)
class Form:
    """One structure and the formula and weights of it.

    Attributes:
        smiles: the structure (canonical SMILES).
        formula: its molecular formula (Hill order, charges as PubChem writes them).
        molecular_weight: g/mol (None when it could not be computed).
        exact_mass: monoisotopic mass, Da.
        registry_id: the record that registers exactly this structure, when known.
    """

    smiles: str
    formula: str
    molecular_weight: float | None
    exact_mass: float | None
    registry_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "smiles": self.smiles,
            "formula": self.formula,
            "molecular_weight": self.molecular_weight,
            "exact_mass": self.exact_mass,
            "registry_id": self.registry_id,
        }


@dataclass(frozen=True, slots=True)
class Forms:
    """A compound as registered and its parent, and which of them the descriptors describe.

    Attributes:
        registry_id: the compound.
        as_registered: the structure as registered (the salt, for a salt).
        parent: the standardised parent (the same structure when ``differs`` is False).
        differs: the two are different structures (a salt, solvate, mixture, charged form).
        descriptors_of: always ``"parent"``: stored descriptors describe the parent.
    """

    registry_id: str
    as_registered: Form
    parent: Form
    differs: bool
    descriptors_of: str = "parent"

    def to_dict(self) -> dict[str, Any]:
        """The JSON keys ``registry show -f json`` adds: ``as_registered``, ``parent``, ..."""
        return {
            "as_registered": self.as_registered.to_dict(),
            "parent": self.parent.to_dict(),
            "parent_differs": self.differs,
            "descriptors_of": self.descriptors_of,
        }


def _stored(compound: Compound, name: str) -> float | None:
    for prop in compound.properties:
        if prop.name == name and prop.source != "pubchem" and prop.value is not None:
            return float(prop.value)
    return None


def can_differ(compound: Compound) -> bool:
    """Whether the parent may be another structure: counter-ions, or a charge to neutralise.

    Standardisation otherwise only normalises bonds and charges within the structure, which
    keeps its formula.
    """
    return compound.is_salt or "+" in compound.formula or "-" in compound.formula


def forms_of(compound: Compound) -> Forms:
    """The compound as registered and its parent, with formula, weight and exact mass of each.

    Raises:
        InvalidStructure: the stored structure cannot be read (it was when registered).
    """
    if not can_differ(compound):
        mass = _stored(compound, "exact_mass")
        weight = _stored(compound, "molecular_weight")
        if weight is None:  # registered without descriptors
            from registry.chem import descriptors  # RDKit: only when nothing is stored

            measured = descriptors.profile(compound.smiles, on="submitted", rules=False)
            weight, mass = _number(measured["molecular_weight"]), _number(measured["exact_mass"])
        same = Form(compound.smiles, compound.formula, weight, mass, compound.registry_id)
        return Forms(compound.registry_id, same, same, differs=False)
    from registry.chem import descriptors  # RDKit: only for a structure with another parent

    whole = descriptors.profile(compound.smiles, on="submitted", rules=False)
    parent = descriptors.profile(compound.smiles, on="parent", rules=False)
    registered = Form(
        compound.smiles,
        compound.formula or str(whole["formula"]),
        _number(whole["molecular_weight"]),
        _number(whole["exact_mass"]),
        compound.registry_id,
    )
    parent_form = Form(
        parent.smiles,
        str(parent["formula"]),
        _number(parent["molecular_weight"]),
        _number(parent["exact_mass"]),
        compound.parent_id,
    )
    differs = parent_form.smiles != registered.smiles
    if not differs:
        parent_form = registered
    return Forms(compound.registry_id, registered, parent_form, differs=differs)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
