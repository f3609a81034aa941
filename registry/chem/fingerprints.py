"""Similarity and substructure: Morgan fingerprints, Tanimoto similarity, SMARTS matching.

A fingerprint is stored as bytes (``ExplicitBitVect.ToBinary``); :func:`fingerprint_from_bytes`
reads it back. Molecules given are never modified.
"""

from __future__ import annotations

from functools import cache

from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from registry.chem.structures import Structure, parse, parse_smarts
from registry.errors import InvalidStructure

__all__ = [
    "FINGERPRINT_BITS",
    "FINGERPRINT_RADIUS",
    "fingerprint",
    "fingerprint_from_bytes",
    "fingerprint_of",
    "substructure_match",
    "tanimoto",
    "tversky",
]

FINGERPRINT_RADIUS = 2
FINGERPRINT_BITS = 2048


@cache
def _morgan() -> rdFingerprintGenerator.FingerprintGenerator64:
    return rdFingerprintGenerator.GetMorganGenerator(
        radius=FINGERPRINT_RADIUS, fpSize=FINGERPRINT_BITS
    )


def fingerprint(value: Structure) -> bytes:
    """Morgan fingerprint (radius 2, 2048 bits) serialised with ``ExplicitBitVect.ToBinary``.

    >>> len(fingerprint_from_bytes(fingerprint("CCO")))
    2048
    """
    return fingerprint_of(parse(value))


def fingerprint_of(mol: Chem.Mol) -> bytes:
    """:func:`fingerprint` of a molecule, without copying it first (not modified)."""
    bits = _morgan().GetFingerprint(mol)
    return bytes(bits.ToBinary())


def fingerprint_from_bytes(data: bytes) -> DataStructs.ExplicitBitVect:
    """The bit vector back from :func:`fingerprint`'s bytes."""
    try:
        # The constructor takes the binary pickle (typed as str in RDKit's stubs).
        vector: DataStructs.ExplicitBitVect = DataStructs.ExplicitBitVect(data)  # type: ignore[call-overload]
    except Exception as error:  # boost raises RuntimeError / ValueError on bad pickles
        raise InvalidStructure(f"not a serialised fingerprint: {error}") from error
    return vector


def tanimoto(a: bytes, b: bytes) -> float:
    """Tanimoto similarity of two fingerprints from :func:`fingerprint`.

    >>> tanimoto(fingerprint("CCO"), fingerprint("OCC"))
    1.0
    """
    return float(
        DataStructs.TanimotoSimilarity(fingerprint_from_bytes(a), fingerprint_from_bytes(b))
    )


def tversky(a: bytes, b: bytes, alpha: float, beta: float) -> float:
    """Tversky similarity of fingerprint ``a`` (weight ``alpha``) to ``b`` (weight ``beta``).

    ``alpha = beta = 1`` is Tanimoto, ``alpha = beta = 0.5`` Dice.

    >>> round(tversky(fingerprint("CCO"), fingerprint("CCCO"), 1.0, 0.0), 4)
    0.8333
    >>> tversky(fingerprint("CCO"), fingerprint("CCCO"), 1.0, 1.0) == tanimoto(
    ...     fingerprint("CCO"), fingerprint("CCCO"))
    True
    """
    return float(
        DataStructs.TverskySimilarity(
            fingerprint_from_bytes(a), fingerprint_from_bytes(b), alpha, beta
        )
    )


def substructure_match(
    value: Structure, smarts: str | Chem.Mol, *, chirality: bool = False
) -> bool:
    """Whether a structure contains a SMARTS pattern (or a query ``Mol``).

    >>> substructure_match("CCN(CC)C(=O)C1(CC1CN)c1ccccc1", "c1ccccc1C(=O)")
    False
    >>> substructure_match("CCN(CC)C(=O)C1(CC1CN)c1ccccc1", "C(=O)N(CC)CC")
    True
    """
    mol = parse(value)
    query = smarts if isinstance(smarts, Chem.Mol) else parse_smarts(smarts)
    return bool(mol.HasSubstructMatch(query, useChirality=chirality))
