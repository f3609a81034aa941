"""Whole compound records: :func:`load` for one, :func:`load_many` for a list.

Both run the same queries, one per table for up to :data:`~registry.store.reads.IN_LIMIT`
compounds at a time (an export of thousands would otherwise run nine queries per compound), and
build each :class:`~registry.models.Compound` the same way, so a record reads the same whichever
way it is loaded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, RowMapping

from registry.errors import NotFound
from registry.models import CasEntry, Compound, Identifier, Note, Property, canonical_sections
from registry.store.audit_rows import iso, trail
from registry.store.matching import format_registry_id
from registry.store.property_rows import property_from_row
from registry.store.reads import IN_LIMIT
from registry.store.schema import compounds, identifiers, notes, properties

__all__ = ["load", "load_many"]

# The hash layers whose other holders a record lists: tautomers, stereoisomers.
_RELATIVES = ("tautomer_hash", "no_stereo_hash")


def load(connection: Connection, compound_id: int, *, history: bool = False) -> Compound:
    """The full record of one compound (with its audit trail when ``history=True``).

    Raises NotFound when there is no such compound.
    """
    [compound] = load_many(connection, [compound_id])
    return replace(compound, history=trail(connection, compound_id)) if history else compound


def load_many(connection: Connection, compound_ids: Sequence[int]) -> list[Compound]:
    """The full records of ``compound_ids``, in their order (without audit trails).

    Raises NotFound for the first id that names no compound.
    """
    unique = list(dict.fromkeys(compound_ids))
    loaded: dict[int, Compound] = {}
    for start in range(0, len(unique), IN_LIMIT):
        loaded.update(_chunk(connection, unique[start : start + IN_LIMIT]))
    for compound_id in unique:
        if compound_id not in loaded:
            raise NotFound(f"no compound {format_registry_id(compound_id)}")
    return [loaded[i] for i in compound_ids]


def _chunk(connection: Connection, ids: list[int]) -> dict[int, Compound]:
    query = select(compounds).where(compounds.c.id.in_(ids))
    rows = {row.id: row._mapping for row in connection.execute(query)}
    if not rows:
        return {}
    salts = _grouped(connection, compounds.c.parent_id, ids)
    merged_from = _grouped(connection, compounds.c.merged_into, ids)
    relatives = {
        layer: _grouped(
            connection, compounds.c[layer], {m[layer] for m in rows.values() if m[layer]}
        )
        for layer in _RELATIVES
    }
    named = _identifiers(connection, ids)
    written = _notes(connection, ids)
    valued = _properties(connection, ids)
    out: dict[int, Compound] = {}
    for compound_id, m in rows.items():
        cas_entries, others, synonyms = named.get(compound_id, ([], [], []))
        tautomers, stereoisomers = (_others(relatives[layer], m, layer) for layer in _RELATIVES)
        parent_id, merged_into = m["parent_id"], m["merged_into"]
        out[compound_id] = Compound(
            registry_id=format_registry_id(compound_id),
            name=m["name"],
            smiles=m["smiles"],
            submitted=m["submitted"],
            inchi=m["inchi"],
            inchikey=m["inchikey"],
            formula=m["formula"],
            registration_hash=m["registration_hash"],
            hash_layers=json.loads(m["hash_layers"]),
            parent_id=format_registry_id(parent_id) if parent_id is not None else "",
            salt_forms=tuple(format_registry_id(s) for s in salts.get(compound_id, [])),
            tautomers=tautomers,
            stereoisomers=stereoisomers,
            is_salt=bool(m["is_salt"]),
            cas=tuple(cas_entries),
            identifiers=tuple(others),
            synonyms=tuple(synonyms),
            notes=written.get(compound_id, ()),
            properties=valued.get(compound_id, ()),
            created_at=iso(m["created_at"]),
            updated_at=iso(m["updated_at"]),
            retired_at=iso(m["retired_at"]),
            retired_reason=m["retired_reason"] or "",
            merged_into=format_registry_id(merged_into) if merged_into is not None else "",
            merged_from=tuple(format_registry_id(r) for r in merged_from.get(compound_id, [])),
        )
    return out


def _grouped(connection: Connection, column: Any, values: Collection[Any]) -> dict[Any, list[int]]:
    """The compounds whose ``column`` holds one of ``values``, by id, per value."""
    found: dict[Any, list[int]] = defaultdict(list)
    if values:
        query = select(column, compounds.c.id).where(column.in_(list(values)))
        for value, compound_id in connection.execute(query.order_by(compounds.c.id)):
            found[value].append(compound_id)
    return found


def _others(holders: dict[str, list[int]], m: RowMapping, layer: str) -> tuple[str, ...]:
    """The other compounds holding the row's value of hash ``layer`` (tautomers, stereoisomers)."""
    if not m[layer]:  # a row written without its hashes relates to nothing
        return ()
    return tuple(format_registry_id(i) for i in holders.get(m[layer], []) if i != m["id"])


def _identifiers(
    connection: Connection, ids: list[int]
) -> dict[int, tuple[list[CasEntry], list[Identifier], list[str]]]:
    """Each compound's CAS numbers, other identifiers and synonyms, each in recorded order."""
    out: dict[int, tuple[list[CasEntry], list[Identifier], list[str]]] = {}
    rows = connection.execute(
        select(identifiers)
        .where(identifiers.c.compound_id.in_(ids))
        .order_by(identifiers.c.compound_id, identifiers.c.position, identifiers.c.id)
    )
    for row in rows:
        i = row._mapping
        cas_entries, others, synonyms = out.setdefault(i["compound_id"], ([], [], []))
        if i["kind"] == "cas":
            cas_entries.append(CasEntry(i["value"], i["role"] or "unknown", i["form"], i["source"]))
        elif i["kind"] == "synonym":
            synonyms.append(i["value"])
        else:
            others.append(Identifier(i["kind"], i["value"], i["source"]))
    return out


def _notes(connection: Connection, ids: list[int]) -> dict[int, tuple[Note, ...]]:
    by_compound: dict[int, list[Any]] = defaultdict(list)
    query = (
        select(notes)
        .where(notes.c.compound_id.in_(ids))
        .order_by(notes.c.compound_id, notes.c.position, notes.c.id)
    )
    for n in connection.execute(query):
        by_compound[n.compound_id].append(n)
    out: dict[int, tuple[Note, ...]] = {}
    for compound_id, rows in by_compound.items():
        # Sections written before their spelling was made canonical read as one section too.
        sections = canonical_sections([n.section for n in rows])
        out[compound_id] = tuple(
            Note(
                section=section,
                body=n.body,
                source=n.source,
                citations=tuple(json.loads(n.citations)),
                created_at=iso(n.created_at),
                updated_at=iso(n.updated_at),
                author=n.author,
            )
            for n, section in zip(rows, sections, strict=True)
        )
    return out


def _properties(connection: Connection, ids: list[int]) -> dict[int, tuple[Property, ...]]:
    by_compound: dict[int, list[Property]] = defaultdict(list)
    query = (
        select(properties)
        .where(properties.c.compound_id.in_(ids))
        .order_by(properties.c.compound_id, properties.c.id)
    )
    for p in connection.execute(query):
        by_compound[p.compound_id].append(property_from_row(p))
    return {compound_id: tuple(found) for compound_id, found in by_compound.items()}
