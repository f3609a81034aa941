"""Storing PubChem's values with registered compounds, with provenance, and refreshing them.

``registry enrich`` and :meth:`Registry.enrich`: for each compound, its PubChem CID (the one it
was registered with, else PubChem's CID for its InChIKey), then PubChem's computed properties
and, on request, its experimental values (:mod:`.pubchem_properties`). They are stored with
source ``pubchem``, their retrieval date, CID, original text and reference; RDKit's values
stay as they are. A refresh replaces each property's PubChem values as a whole and writes an
audit row with the old and the new. Record files keep them under ``pubchem_properties``, so
export and import carry them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from registry.config import Settings
from registry.errors import NotFound, RecordFileError
from registry.models import Compound, Property
from registry.service.resolve import find_id
from registry.store import Store
from registry.store.matching import parse_registry_id

__all__ = [
    "RECORD_KEY",
    "Enriched",
    "enrich",
    "record_entries",
    "store_values",
    "values_from_record",
]

SOURCE = "pubchem"


@dataclass(frozen=True, slots=True)
class Enriched:
    """What enriching one compound did.

    Attributes:
        registry_id, name: the compound.
        cid: the PubChem CID the values belong to (None when none was found).
        stored: how many values were stored; ``replaced``: how many earlier ones they replaced.
        error: what could not be had (PubChem unavailable, no CID), ``""`` when all was stored.
    """

    registry_id: str
    name: str
    cid: int | None
    stored: int = 0
    replaced: int = 0
    error: str = ""


def _summary(values: Sequence[Property]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in values:
        out.setdefault(p.name, []).append(p.text or ("" if p.value is None else f"{p.value:g}"))
    return out


def store_values(
    store: Store, author: str, registry_id: str, values: Sequence[Property]
) -> tuple[int, int]:
    """Store a compound's PubChem values in one transaction; (stored, replaced) counts.

    Each property named in ``values`` loses its earlier PubChem values; the audit row
    ``properties`` holds the old and new values by name (texts as PubChem wrote them).
    """
    if not values:
        return 0, 0
    compound_id = parse_registry_id(registry_id)
    if compound_id is None:
        raise NotFound(f"{registry_id!r} is not a registry id")
    with store.write() as connection:
        old, new = store.replace_properties(connection, compound_id, SOURCE, values)
        detail = {
            "source": SOURCE,
            "cid": next((p.cid for p in new if p.cid is not None), None),
            "retrieved": max(p.retrieved for p in new),
            "old": _summary(old),
            "new": _summary(new),
        }
        store.log(
            connection, "properties", author, compound_id, json.dumps(detail, ensure_ascii=False)
        )
    return len(new), len(old)


def _cid(compound: Compound) -> int | None:
    for identifier in compound.identifiers:
        if identifier.kind == "pubchem_cid" and identifier.value.isdigit():
            return int(identifier.value)
    return None


def enrich(
    store: Store,
    settings: Settings,
    author: str,
    queries: Sequence[str] | None = None,
    *,
    experimental: bool = False,
) -> list[Enriched]:
    """Fetch and store PubChem's values for the compounds ``queries`` name (None: all).

    Nothing raises for one compound PubChem cannot answer: its :class:`Enriched` says what
    is missing, and the others are stored.

    Raises:
        NotFound, Ambiguous: a query names no registered compound, or several.
    """
    with store.read() as connection:
        if queries is None:
            ids = list(store.all_ids(connection))
        else:
            ids = [find_id(store, connection, q) for q in queries]
        compounds = store.load_many(connection, list(dict.fromkeys(ids)))
    asked: list[str | int] = []
    for compound in compounds:
        cid = _cid(compound)
        asked.append(cid if cid is not None else compound.inchikey)
    # Deferred: PubChem's property reading costs every command ~30 ms at start-up.
    from registry.service.pubchem_properties import properties_many

    found = properties_many(asked, settings, experimental=experimental, rdkit=False)
    out = []
    for compound, result in zip(compounds, found, strict=True):
        values = result.values()
        stored, replaced = store_values(store, author, compound.registry_id, values)
        out.append(
            Enriched(
                compound.registry_id, compound.name, result.cid, stored, replaced, result.error
            )
        )
    return out


#: The front-matter key of a record file that keeps a compound's PubChem values.
RECORD_KEY = "pubchem_properties"
_ENTRY_FIELDS = ("name", "value", "unit", "text", "upper", "conditions", "reference",
                 "retrieved", "cid", "kind")  # fmt: skip


def record_entries(values: Sequence[Property]) -> list[dict[str, Any]]:
    """PubChem's stored values as a record file's ``pubchem_properties`` list."""
    return [
        {name: getattr(p, name) for name in _ENTRY_FIELDS} for p in values if p.source == SOURCE
    ]


def values_from_record(slug: str, extra: Mapping[str, Any]) -> list[Property]:
    """The values a record file's ``pubchem_properties`` keeps (none when it has none).

    Raises:
        RecordFileError: an entry is not a mapping with a ``name``, or a number is not one.
    """
    entries = extra.get(RECORD_KEY) or []
    out = []
    for number, entry in enumerate(entries if isinstance(entries, list) else [entries], 1):
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise RecordFileError(f"{slug}.md: {RECORD_KEY} entry {number} has no name")
        try:
            out.append(
                Property(
                    name=str(entry["name"]),
                    value=None if entry.get("value") is None else float(entry["value"]),
                    unit=str(entry.get("unit") or ""),
                    source=SOURCE,
                    text=str(entry.get("text") or ""),
                    upper=None if entry.get("upper") is None else float(entry["upper"]),
                    conditions=str(entry.get("conditions") or ""),
                    reference=str(entry.get("reference") or ""),
                    retrieved=str(entry.get("retrieved") or ""),
                    cid=None if entry.get("cid") is None else int(entry["cid"]),
                    kind=str(entry.get("kind") or ""),
                )
            )
        except (TypeError, ValueError) as error:
            raise RecordFileError(
                f"{slug}.md: {RECORD_KEY} entry {number} ({entry['name']}): {error}"
            ) from error
    return out
