"""Exact-structure search by the stored registration hash layers.

Three relations between a query structure and registered compounds, each a plain function of a
store connection (the duplicates work reuses them):

* :func:`same_parent_ids`: the query's parent compound and every salt form of it (a compound
  whose ``parent_hash`` is the parent's registration hash);
* :func:`tautomer_ids`: compounds with the query's ``tautomer_hash`` (tautomers of it);
* :func:`stereoisomer_ids`: compounds with the query's ``no_stereo_hash`` (stereoisomers of it,
  the query itself included).

The query is standardised exactly as registration standardises it
(:func:`registry.chem.registration.prepare`), so its hashes are comparable with the stored ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from registry.chem.registration import prepare
from registry.models import CompoundRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "EXACT_MODES",
    "ExactMode",
    "exact_ids",
    "query_hashes",
    "same_parent_ids",
    "stereoisomer_ids",
    "tautomer_ids",
]

ExactMode = Literal["same_parent", "tautomers", "stereoisomers"]
#: Each mode and what a hit is said to match.
EXACT_MODES: dict[ExactMode, str] = {
    "same_parent": "same parent",
    "tautomers": "tautomer",
    "stereoisomers": "stereoisomer",
}


def query_hashes(structure: str) -> CompoundRow:
    """The query standardised and hashed as registration does (InvalidStructure if unreadable)."""
    return prepare(structure, with_descriptors=False).row


def same_parent_ids(store: Store, connection: Connection, structure: str) -> list[int]:
    """The parent of ``structure`` and all its salt forms, in registry order."""
    row = query_hashes(structure)
    return store.ids_by_parent(connection, row.parent_hash or row.registration_hash)


def tautomer_ids(store: Store, connection: Connection, structure: str) -> list[int]:
    """Compounds that are tautomers of ``structure`` (same tautomer hash), in registry order."""
    return store.ids_by_hash_layer(
        connection, "tautomer_hash", query_hashes(structure).tautomer_hash
    )


def stereoisomer_ids(store: Store, connection: Connection, structure: str) -> list[int]:
    """Compounds that differ from ``structure`` at most in stereo, in registry order."""
    row = query_hashes(structure)
    return store.ids_by_hash_layer(connection, "no_stereo_hash", row.no_stereo_hash)


def exact_ids(store: Store, connection: Connection, mode: ExactMode, structure: str) -> list[int]:
    """The ids :func:`same_parent_ids`, :func:`tautomer_ids` or :func:`stereoisomer_ids` give."""
    finder = {
        "same_parent": same_parent_ids,
        "tautomers": tautomer_ids,
        "stereoisomers": stereoisomer_ids,
    }[mode]
    return finder(store, connection, structure)
