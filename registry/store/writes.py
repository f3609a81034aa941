"""Writing the registry: compounds, identifiers, notes, the audit trail, import checkpoints.

Every function takes the connection of one write transaction (:meth:`Store.write`), so what a
caller writes commits together or not at all. Stored timestamps come from :func:`now` (UTC);
stored names and identifiers carry their :func:`~registry.store.matching.key` for lookups.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from registry.errors import DuplicateCompound
from registry.models import CompoundRow, Note, canonical_sections, section_key
from registry.store import cartridge
from registry.store.matching import format_registry_id, identifier_ids, key
from registry.store.reads import IN_LIMIT, ids_by_hashes
from registry.store.schema import audit, compounds, identifiers, imports, notes, properties

__all__ = [
    "add_identifiers",
    "add_note",
    "family",
    "insert_compounds",
    "log",
    "log_many",
    "now",
    "remove_by_origin",
    "set_import_progress",
    "set_parent",
    "update_compound",
]

# The DBAPI placeholder for each paramstyle, for statements passed to the driver directly.
_PARAM_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_PROPERTY_COLUMNS = ("compound_id", "name", "value", "unit", "source", "toolkit_version")


def now() -> datetime:
    """The current time in UTC (the one clock every stored timestamp uses)."""
    return datetime.now(UTC)


def insert_compounds(
    connection: Connection, rows: Sequence[CompoundRow], *, with_cartridge: bool = False
) -> list[int]:
    """Insert new compounds (and their properties); returns their ids in order.

    A salt is linked to its parent when the parent is registered; a new compound becomes the
    parent of every salt already registered with its hash as ``parent_hash``. With
    ``with_cartridge`` (a database searched by the RDKit cartridge) the same INSERT fills the
    cartridge's ``mol`` and ``mfp`` columns.
    """
    if not rows:
        return []
    stamp = now()
    values = [_compound_values(r, stamp) for r in rows]
    table: Table = compounds
    if with_cartridge:
        table = cartridge.insertable
        for value, r in zip(values, rows, strict=True):
            value["mol"] = r.smiles
            value["mfp"] = cartridge.raw_bits(r.fingerprint) if r.fingerprint else None
    # One executemany with RETURNING, which SQLAlchemy sends as multi-row INSERTs. The rows
    # come back in no promised order (asking for input order makes SQLite insert row by row),
    # so they are matched back by registration hash, which the table keeps unique.
    statement = insert(table).returning(table.c.registration_hash, table.c.id)
    by_hash: dict[str, int] = dict(connection.execute(statement, values).all())
    ids: list[int] = [by_hash[r.registration_hash] for r in rows]
    _insert_properties(connection, ids, rows)
    _link_salts(connection, ids, rows)
    return ids


def _compound_values(r: CompoundRow, stamp: datetime) -> dict[str, Any]:
    return {
        "name": r.name,
        "name_key": key(r.name),
        "submitted": r.submitted,
        "smiles": r.smiles,
        "inchi": r.inchi,
        "inchikey": r.inchikey,
        "formula": r.formula,
        "registration_hash": r.registration_hash,
        "tautomer_hash": r.tautomer_hash,
        "no_stereo_hash": r.no_stereo_hash,
        "hash_layers": json.dumps(r.hash_layers, sort_keys=True),
        "is_salt": r.is_salt,
        "counterions": json.dumps([list(c) for c in r.counterions]),
        "parent_hash": r.parent_hash,
        "fingerprint": r.fingerprint,
        "record_meta": json.dumps(r.record_meta) if r.record_meta is not None else None,
        "record_text": r.record_text,
        "record_digest": r.record_digest,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _insert_properties(
    connection: Connection, ids: Sequence[int], rows: Sequence[CompoundRow]
) -> None:
    prop_rows = [
        (compound_id, p.name, p.value, p.unit, p.source, p.toolkit_version)
        for compound_id, r in zip(ids, rows, strict=True)
        for p in r.properties
    ]
    if not prop_rows:
        return
    marker = _PARAM_MARKERS.get(connection.dialect.paramstyle)
    if marker is None:  # pragma: no cover - SQLite and psycopg both have a marker above
        connection.execute(
            insert(properties), [dict(zip(_PROPERTY_COLUMNS, r, strict=True)) for r in prop_rows]
        )
        return
    # Plain text and float columns, nothing for SQLAlchemy to convert: the rows go to the
    # DBAPI's executemany directly, without SQLAlchemy's per-row parameter processing.
    placeholders = ", ".join([marker] * len(_PROPERTY_COLUMNS))
    connection.exec_driver_sql(
        f"INSERT INTO properties ({', '.join(_PROPERTY_COLUMNS)}) VALUES ({placeholders})",
        prop_rows,
    )


def _link_salts(connection: Connection, ids: Sequence[int], rows: Sequence[CompoundRow]) -> None:
    new_hashes = {r.registration_hash: i for i, r in zip(ids, rows, strict=True)}
    # New salts whose parent is registered (now or before).
    wanted = [r.parent_hash for r in rows if r.parent_hash]
    parents = ids_by_hashes(connection, wanted) if wanted else {}
    for compound_id, r in zip(ids, rows, strict=True):
        if r.parent_hash and r.parent_hash in parents:
            connection.execute(
                update(compounds)
                .where(compounds.c.id == compound_id)
                .values(parent_id=parents[r.parent_hash])
            )
    # Salts registered before their parent, waiting for it.
    hashes = list(new_hashes)
    for start in range(0, len(hashes), IN_LIMIT):
        chunk = hashes[start : start + IN_LIMIT]
        waiting = connection.execute(
            select(compounds.c.id, compounds.c.parent_hash).where(
                compounds.c.parent_hash.in_(chunk), compounds.c.parent_id.is_(None)
            )
        ).all()
        for salt_id, parent_hash in waiting:
            connection.execute(
                update(compounds)
                .where(compounds.c.id == salt_id)
                .values(parent_id=new_hashes[parent_hash], updated_at=now())
            )


def set_parent(connection: Connection, compound_id: int, parent_id: int | None) -> None:
    """Record (or clear) the parent compound of a salt form."""
    connection.execute(
        update(compounds)
        .where(compounds.c.id == compound_id)
        .values(parent_id=parent_id, updated_at=now())
    )


def update_compound(connection: Connection, compound_id: int, **values: Any) -> None:
    """Change columns of a compound (name, record state) and its ``updated_at``."""
    changes = dict(values)
    if "name" in changes:
        changes["name_key"] = key(changes["name"])
    if "record_meta" in changes and changes["record_meta"] is not None:
        changes["record_meta"] = json.dumps(changes["record_meta"])
    changes["updated_at"] = now()
    connection.execute(update(compounds).where(compounds.c.id == compound_id).values(changes))


def add_identifiers(
    connection: Connection,
    compound_id: int,
    entries: Iterable[tuple[str, str, str | None, str, str]],
    *,
    origin: str = "",
    added_rows: list[tuple[str, str, str | None, str, str]] | None = None,
) -> int:
    """Attach identifiers ``(kind, value, role, form, source)``; returns how many were new.

    ``added_rows``, when given, receives each new one (those on the compound already are not).

    One already on the compound is left as it is. An identifying one (any kind but a synonym,
    and a CAS number only with a known role) held by another compound raises
    :class:`~registry.errors.DuplicateCompound` naming that compound, unless that compound is
    of the same family (parent and salt forms): then both keep it and the new copy is recorded
    as not identifying, so lookups find the compound that had it first.
    """
    existing = {
        (row[0], row[1])
        for row in connection.execute(
            select(identifiers.c.kind, identifiers.c.value_key).where(
                identifiers.c.compound_id == compound_id
            )
        )
    }
    position = connection.execute(
        select(func.coalesce(func.max(identifiers.c.position), -1)).where(
            identifiers.c.compound_id == compound_id
        )
    ).scalar_one()
    added = 0
    for kind, value, role, form, source in entries:
        value_key = key(value)
        if (kind, value_key) in existing:
            continue
        exclusive = kind != "synonym" and not (kind == "cas" and role == "unknown")
        if exclusive:
            others = [h for h in identifier_ids(connection, kind, value) if h != compound_id]
            if others and set(others) <= family(connection, compound_id):
                exclusive = False
            elif others:
                raise DuplicateCompound(
                    f"{kind} {value} already identifies {format_registry_id(others[0])}"
                )
        position += 1
        connection.execute(
            insert(identifiers).values(
                compound_id=compound_id,
                kind=kind,
                value=value,
                value_key=value_key,
                role=role if kind == "cas" else None,
                form=form,
                source=source,
                origin=origin,
                exclusive=exclusive,
                position=position,
                created_at=now(),
            )
        )
        existing.add((kind, value_key))
        added += 1
        if added_rows is not None:
            added_rows.append((kind, value, role if kind == "cas" else None, form, source))
    return added


def family(connection: Connection, compound_id: int) -> set[int]:
    """The compound's parent and salt forms (and the parent's other salt forms)."""
    parent = connection.execute(
        select(compounds.c.parent_id).where(compounds.c.id == compound_id)
    ).scalar()
    root = parent if parent is not None else compound_id
    salts = connection.execute(select(compounds.c.id).where(compounds.c.parent_id == root))
    return {root, *(row[0] for row in salts)} - {compound_id}


def remove_by_origin(
    connection: Connection,
    compound_id: int,
    origin: str,
    *,
    identifiers_like: Iterable[tuple[str, str]] = (),
    notes_like: Iterable[tuple[str, str, str]] = (),
) -> None:
    """Delete what a record file contributed before importing a new version of it.

    Removes the identifiers and notes with ``origin``, and also those equal to one the new
    version holds (``(kind, value)`` and ``(section, body, source)``), so that the file's
    items go back in the file's order. Anything else (added since) stays.
    """
    connection.execute(
        delete(identifiers).where(
            identifiers.c.compound_id == compound_id, identifiers.c.origin == origin
        )
    )
    connection.execute(
        delete(notes).where(notes.c.compound_id == compound_id, notes.c.origin == origin)
    )
    for kind, value in identifiers_like:
        connection.execute(
            delete(identifiers).where(
                identifiers.c.compound_id == compound_id,
                identifiers.c.kind == kind,
                identifiers.c.value_key == key(value),
            )
        )
    for section, body, source in notes_like:
        connection.execute(
            delete(notes).where(
                notes.c.compound_id == compound_id,
                notes.c.section == section,
                notes.c.body == body,
                notes.c.source == source,
            )
        )


def add_note(connection: Connection, compound_id: int, note: Note, *, origin: str = "") -> bool:
    """Attach a note; an identical one (section, body, source) is not added twice.

    The section is stored in its canonical spelling (:func:`registry.models.canonical_sections`
    over the compound's sections), so ``mechanism`` and ``Mechanism`` are one section.
    """
    had = connection.execute(
        select(notes.c.section, notes.c.body, notes.c.source, notes.c.position)
        .where(notes.c.compound_id == compound_id)
        .order_by(notes.c.position, notes.c.id)
    ).all()
    section = canonical_sections([*(row.section for row in had), note.section])[-1]
    if any(
        (section_key(r.section), r.body, r.source) == (section_key(section), note.body, note.source)
        for r in had
    ):
        return False
    position = max((row.position for row in had), default=-1)
    stamp = now()
    connection.execute(
        insert(notes).values(
            compound_id=compound_id,
            section=section,
            body=note.body,
            citations=json.dumps(list(note.citations)),
            source=note.source,
            author=note.author,
            origin=origin,
            position=position + 1,
            search_text=key(f"{section}\n{note.body}"),
            created_at=stamp,
            updated_at=stamp,
        )
    )
    return True


def log(
    connection: Connection,
    action: str,
    author: str,
    compound_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one row to the audit trail."""
    connection.execute(
        insert(audit).values(
            at=now(), author=author, action=action, compound_id=compound_id, detail=detail
        )
    )


def log_many(connection: Connection, entries: Sequence[Mapping[str, Any]]) -> None:
    """Append many audit rows (``action``, ``author``, ``compound_id``, ``detail``)."""
    if entries:
        stamp = now()
        connection.execute(insert(audit), [{"at": stamp, **entry} for entry in entries])


def set_import_progress(
    connection: Connection, digest: str, source: str, rows_done: int, finished: bool
) -> None:
    """Record a bulk import's checkpoint (in the transaction that committed its rows)."""
    values = {"rows_done": rows_done, "finished": finished, "updated_at": now()}
    changed = connection.execute(
        update(imports).where(imports.c.digest == digest).values(values)
    ).rowcount
    if not changed:
        connection.execute(insert(imports).values(digest=digest, source=source, **values))
