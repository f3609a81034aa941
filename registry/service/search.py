"""Searching the registry: by text, by similarity to a structure, by substructure.

Similarity and substructure search run in the database when the store has the RDKit cartridge
(:attr:`Store.cartridge <registry.store.Store.cartridge>`), else here over every stored
structure; similarity compares the same fingerprint bits either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry import chem
from registry.errors import ValidationError
from registry.models import SearchHit, SearchResults
from registry.store.matching import format_registry_id

if TYPE_CHECKING:
    from registry.store import Store

__all__ = ["search_registry", "search_similar", "search_substructure", "search_text"]


def search_registry(
    store: Store,
    text: str | None = None,
    *,
    similar: str | None = None,
    min_similarity: float = 0.7,
    substructure: str | None = None,
    limit: int = 100,
) -> SearchResults:
    """Search by exactly one of ``text``, ``similar`` and ``substructure``."""
    given = [v for v in (text, similar, substructure) if v is not None]
    if len(given) != 1:
        raise ValidationError("search by exactly one of: text, similar, substructure")
    if text is not None:
        return search_text(store, text, limit)
    if similar is not None:
        return search_similar(store, similar, min_similarity, limit)
    assert substructure is not None
    return search_substructure(store, substructure, limit)


def search_text(store: Store, text: str, limit: int) -> SearchResults:
    """Compounds whose names, synonyms, identifiers or notes contain ``text``."""
    if not text.strip():
        raise ValidationError("empty search text")
    with store.read() as connection:
        found = store.search_text(connection, text, limit)
        names = store.names(connection, [i for i, _ in found])
    return SearchResults(
        SearchHit(format_registry_id(i), names[i][0], matched, None, names[i][1])
        for i, matched in found
    )


def search_similar(store: Store, smiles: str, min_similarity: float, limit: int) -> SearchResults:
    """Compounds whose parent structure is at least ``min_similarity`` similar, best first.

    Tanimoto similarity of Morgan fingerprints of the standardised parents; ties in registry
    order.
    """
    if not 0.0 <= min_similarity <= 1.0:
        raise ValidationError(
            f"min_similarity={min_similarity}: a Tanimoto similarity lies between 0 and 1"
        )
    probe = chem.fingerprint(chem.standardise(smiles).parent)
    scored: list[tuple[float, int]] = []
    with store.read() as connection:
        if store.cartridge:
            scored = store.similar_in_database(connection, probe, min_similarity, limit)
        else:
            for compound_id, fingerprint in store.fingerprints(connection):
                score = chem.tanimoto(probe, fingerprint)
                if score >= min_similarity:
                    scored.append((score, compound_id))
            scored.sort(key=lambda s: (-s[0], s[1]))
            scored = scored[:limit]
        names = store.names(connection, [i for _, i in scored])
    return SearchResults(
        SearchHit(format_registry_id(i), names[i][0], "similar", round(s, 4), names[i][1])
        for s, i in scored
    )


def search_substructure(store: Store, smarts: str, limit: int) -> SearchResults:
    """Compounds that contain the SMARTS pattern, in registry order."""
    pattern = chem.parse_smarts(smarts)
    matches: list[int] = []
    with store.read() as connection:
        if store.cartridge:
            matches = store.substructure_in_database(connection, smarts, limit)
        else:
            for compound_id, smiles in store.structures(connection):
                if chem.substructure_match(smiles, pattern):
                    matches.append(compound_id)
                    if len(matches) >= limit:
                        break
        names = store.names(connection, matches)
    return SearchResults(
        SearchHit(format_registry_id(i), names[i][0], "substructure", None, names[i][1])
        for i in matches
    )
