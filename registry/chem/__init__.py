"""Chemistry with RDKit: structures, identifiers, descriptors, registration, structure files.

The modules, each with one job:

* :mod:`~registry.chem.structures`: read SMILES, InChI and Molfiles; SMARTS; RDKit's log.
* :mod:`~registry.chem.standardisation`: cleanup, parent and counter-ions.
* :mod:`~registry.chem.hashing`: formula, InChI/InChIKey, registration hash layers.
* :mod:`~registry.chem.fingerprints`: Morgan fingerprints, Tanimoto, substructure match.
* :mod:`~registry.chem.depiction`: structures drawn to SVG or PNG.
* :mod:`~registry.chem.descriptors`: descriptor profiles and rule checks, one or a batch.
* :mod:`~registry.chem.registration`: a structure prepared as the row the store inserts.
* :mod:`~registry.chem.structure_files`: structures read from .smi, .csv and .sdf files.
* :mod:`~registry.chem.workers`: the process pool of the batches.

``from registry import chem`` is cheap: RDKit is imported when one of the names below is first
used (``chem.parse``), so command-line paths that never touch a structure never load it. The
modules of this package import each other directly, never through this ``__init__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry._lazy import served_from

if TYPE_CHECKING:
    from registry.chem.depiction import draw
    from registry.chem.fingerprints import (
        FINGERPRINT_BITS,
        FINGERPRINT_RADIUS,
        fingerprint,
        fingerprint_from_bytes,
        fingerprint_of,
        substructure_match,
        tanimoto,
    )
    from registry.chem.hashing import (
        Identifiers,
        formula,
        hash_layers,
        identifiers,
        identifiers_of,
        registration_hash,
    )
    from registry.chem.standardisation import Standardised, cleanup, standardise
    from registry.chem.structures import (
        RDKitLog,
        Structure,
        StructureFormat,
        canonical_smiles,
        capture_rdkit_log,
        detect_format,
        parse,
        parse_smarts,
        rdkit_version,
    )

# Each public name -> the module that defines it (imported on first use).
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "RDKitLog",
            "Structure",
            "StructureFormat",
            "canonical_smiles",
            "capture_rdkit_log",
            "detect_format",
            "parse",
            "parse_smarts",
            "rdkit_version",
        ),
        "registry.chem.structures",
    ),
    **dict.fromkeys(("Standardised", "cleanup", "standardise"), "registry.chem.standardisation"),
    **dict.fromkeys(
        (
            "Identifiers",
            "formula",
            "hash_layers",
            "identifiers",
            "identifiers_of",
            "registration_hash",
        ),
        "registry.chem.hashing",
    ),
    **dict.fromkeys(
        (
            "FINGERPRINT_BITS",
            "FINGERPRINT_RADIUS",
            "fingerprint",
            "fingerprint_from_bytes",
            "fingerprint_of",
            "substructure_match",
            "tanimoto",
        ),
        "registry.chem.fingerprints",
    ),
    "draw": "registry.chem.depiction",
}

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


__getattr__ = served_from(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
