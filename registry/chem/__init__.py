"""Chemistry with RDKit: structures, identifiers, descriptors, registration, structure files.

``from registry import chem`` is cheap: RDKit is imported when one of the names below is first
used (``chem.parse``), so command-line paths that never touch a structure never load it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.chem.structures import (
        FINGERPRINT_BITS,
        FINGERPRINT_RADIUS,
        Identifiers,
        RDKitLog,
        Standardised,
        Structure,
        StructureFormat,
        canonical_smiles,
        capture_rdkit_log,
        cleanup,
        detect_format,
        draw,
        fingerprint,
        fingerprint_from_bytes,
        fingerprint_of,
        formula,
        hash_layers,
        identifiers,
        identifiers_of,
        parse,
        parse_smarts,
        rdkit_version,
        registration_hash,
        standardise,
        substructure_match,
        tanimoto,
    )

__all__ = [
    "FINGERPRINT_BITS",
    "FINGERPRINT_RADIUS",
    "Identifiers",
    "RDKitLog",
    "Standardised",
    "Structure",
    "StructureFormat",
    "canonical_smiles",
    "capture_rdkit_log",
    "cleanup",
    "detect_format",
    "draw",
    "fingerprint",
    "fingerprint_from_bytes",
    "fingerprint_of",
    "formula",
    "hash_layers",
    "identifiers",
    "identifiers_of",
    "parse",
    "parse_smarts",
    "rdkit_version",
    "registration_hash",
    "standardise",
    "substructure_match",
    "tanimoto",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'registry.chem' has no attribute {name!r}")
    value = getattr(importlib.import_module("registry.chem.structures"), name)
    globals()[name] = value
    return value
