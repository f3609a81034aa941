"""Reading the registry: counts and id lists, summaries, text search, history.

Every function takes an open connection (a transaction from :meth:`Store.read` or
:meth:`Store.write`) and only reads. Finding compounds by a query (CAS number, name, ...) is
:mod:`registry.store.matching`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from registry.errors import NotFound, ValidationError
from registry.models import CasEntry, Compound
from registry.store.audit_rows import history, iso
from registry.store.matching import format_registry_id, key
from registry.store.schema import audit, compounds, identifiers, imports, notes, properties

__all__ = [
    "HASH_LAYERS",
    "IN_LIMIT",
    "all_ids",
    "count",
    "exists",
    "fingerprints",
    "fingerprints_after",
    "history",
    "id_by_hash",
    "ids_by_hash_layer",
    "ids_by_hashes",
    "ids_by_parent",
    "import_progress",
    "index_state",
    "names",
    "record_state",
    "record_states",
    "row_counts",
    "search_text",
    "structures",
    "structures_after",
    "summaries",
]

#: Values per ``IN (...)`` list, under every driver's limit on bound parameters.
IN_LIMIT = 500


def count(connection: Connection) -> int:
    """How many compounds are registered."""
    return int(connection.execute(select(func.count()).select_from(compounds)).scalar_one())


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows per table: compounds, identifiers, notes, properties, audit."""
    return {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (compounds, identifiers, notes, properties, audit)
    }


def exists(connection: Connection, compound_id: int) -> bool:
    """Whether a compound row exists."""
    found = connection.execute(select(compounds.c.id).where(compounds.c.id == compound_id))
    return found.first() is not None


def id_by_hash(connection: Connection, registration_hash: str) -> int | None:
    """The compound with this registration hash."""
    query = select(compounds.c.id).where(compounds.c.registration_hash == registration_hash)
    return connection.execute(query).scalar()


def ids_by_hashes(connection: Connection, hashes: Sequence[str]) -> dict[str, int]:
    """Registration hash -> compound id for those of ``hashes`` that are registered."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), IN_LIMIT):
        chunk = unique[start : start + IN_LIMIT]
        query = select(compounds.c.registration_hash, compounds.c.id).where(
            compounds.c.registration_hash.in_(chunk)
        )
        found.update({row[0]: row[1] for row in connection.execute(query)})
    return found


def names(connection: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """id -> (name, smiles) for ``ids``."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), IN_LIMIT):
        chunk = list(ids[start : start + IN_LIMIT])
        query = select(compounds.c.id, compounds.c.name, compounds.c.smiles).where(
            compounds.c.id.in_(chunk)
        )
        found.update({row[0]: (row[1], row[2]) for row in connection.execute(query)})
    return found


def all_ids(connection: Connection, *, limit: int | None = None, offset: int = 0) -> list[int]:
    """Every compound id in registry order."""
    query = select(compounds.c.id).order_by(compounds.c.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [row[0] for row in connection.execute(query)]


def fingerprints(connection: Connection) -> Iterator[tuple[int, bytes]]:
    """(id, fingerprint) of every compound that has one, streamed."""
    query = select(compounds.c.id, compounds.c.fingerprint).where(
        compounds.c.fingerprint.is_not(None)
    )
    for row in connection.execute(query):
        yield row[0], bytes(row[1])


def structures(connection: Connection) -> Iterator[tuple[int, str]]:
    """(id, standardised SMILES) of every compound, streamed."""
    query = select(compounds.c.id, compounds.c.smiles).order_by(compounds.c.id)
    for row in connection.execute(query):
        yield row[0], row[1]


def fingerprints_after(connection: Connection, after: int) -> Iterator[tuple[int, bytes]]:
    """(id, fingerprint) of the compounds with an id above ``after`` that have one, by id."""
    query = (
        select(compounds.c.id, compounds.c.fingerprint)
        .where(compounds.c.id > after, compounds.c.fingerprint.is_not(None))
        .order_by(compounds.c.id)
    )
    for row in connection.execute(query):
        yield row[0], bytes(row[1])


def structures_after(connection: Connection, after: int) -> Iterator[tuple[int, str]]:
    """(id, standardised SMILES) of the compounds with an id above ``after``, by id."""
    query = select(compounds.c.id, compounds.c.smiles).where(compounds.c.id > after)
    for row in connection.execute(query.order_by(compounds.c.id)):
        yield row[0], row[1]


def index_state(connection: Connection, upto: int) -> tuple[int, str, str, int]:
    """What a search index checks: compounds with an id up to ``upto``, the registration hash
    of the first compound and of compound ``upto``, and the highest id (0 when empty).

    Compounds are only ever added with higher ids or deleted, and their structures never
    change; so an index that recorded the same count and hashes for ``upto`` still holds
    exactly the compounds up to it.
    """
    # Counted as all minus those above ``upto``: the whole count scans the smallest index, a
    # count of ids up to ``upto`` would read every row of the table.
    total = connection.execute(select(func.count()).select_from(compounds)).scalar_one()
    above = connection.execute(
        select(func.count()).select_from(compounds).where(compounds.c.id > upto)
    ).scalar_one()
    upto_count = int(total) - int(above)
    first = connection.execute(
        select(compounds.c.registration_hash).order_by(compounds.c.id).limit(1)
    ).scalar()
    last = connection.execute(
        select(compounds.c.registration_hash).where(compounds.c.id == upto)
    ).scalar()
    highest = connection.execute(select(func.max(compounds.c.id))).scalar()
    return int(upto_count), first or "", last or "", int(highest or 0)


#: The hash layers an exact-structure search may compare (stored columns of ``compounds``).
HASH_LAYERS = ("registration_hash", "tautomer_hash", "no_stereo_hash", "parent_hash")


def ids_by_hash_layer(connection: Connection, layer: str, value: str) -> list[int]:
    """Compounds whose hash column ``layer`` (see :data:`HASH_LAYERS`) is ``value``, by id."""
    if layer not in HASH_LAYERS:
        raise ValidationError(f"layer={layer!r}: not one of {', '.join(HASH_LAYERS)}")
    column = compounds.c[layer]
    query = select(compounds.c.id).where(column == value).order_by(compounds.c.id)
    return [row[0] for row in connection.execute(query)]


def ids_by_parent(connection: Connection, parent_hash: str) -> list[int]:
    """The parent itself (registration hash ``parent_hash``) and its salt forms, by id."""
    query = (
        select(compounds.c.id)
        .where(
            (compounds.c.registration_hash == parent_hash)
            | (compounds.c.parent_hash == parent_hash)
        )
        .order_by(compounds.c.id)
    )
    return [row[0] for row in connection.execute(query)]


def import_progress(connection: Connection, digest: str) -> tuple[int, bool]:
    """Rows committed so far by a bulk import of the file with ``digest``, and if it ended."""
    row = connection.execute(
        select(imports.c.rows_done, imports.c.finished).where(imports.c.digest == digest)
    ).first()
    return (int(row[0]), bool(row[1])) if row is not None else (0, False)


def search_text(connection: Connection, query: str, limit: int) -> list[tuple[int, str]]:
    """Compounds whose name, synonyms, identifiers or notes contain ``query``.

    Returns (compound id, what matched) pairs, names before notes. The match is on the
    case-folded text with LIKE wildcards escaped, so quotes, ``%`` and ``_`` are literal.
    """
    wanted = key(query)
    hits: dict[int, str] = {}
    searches = [
        (
            select(compounds.c.id, compounds.c.name).where(
                compounds.c.name_key.contains(wanted, autoescape=True)
            ),
            "name",
        ),
        (
            select(identifiers.c.compound_id, identifiers.c.kind, identifiers.c.value).where(
                identifiers.c.value_key.contains(wanted, autoescape=True)
            ),
            "identifier",
        ),
        (
            select(notes.c.compound_id, notes.c.section).where(
                notes.c.search_text.contains(wanted, autoescape=True)
            ),
            "note",
        ),
    ]
    for statement, what in searches:
        for row in connection.execute(statement.order_by(text("1"))):
            if row[0] in hits:
                continue
            if what == "name":
                hits[row[0]] = f"name: {row[1]}"
            elif what == "identifier":
                hits[row[0]] = f"{row[1]}: {row[2]}"
            else:
                hits[row[0]] = f"note: {row[1]}"
            if len(hits) >= limit:
                return list(hits.items())
    return list(hits.items())


def summaries(
    connection: Connection,
    *,
    limit: int | None = None,
    offset: int = 0,
    include_retired: bool = True,
) -> list[Compound]:
    """Compounds in registry order with identity fields and CAS numbers only (2 queries).

    ``include_retired=False`` leaves out retired and merged compounds (``limit`` and
    ``offset`` then count the active ones).
    """
    query = (
        select(
            compounds.c.id,
            compounds.c.name,
            compounds.c.smiles,
            compounds.c.inchikey,
            compounds.c.formula,
            compounds.c.parent_id,
            compounds.c.is_salt,
            compounds.c.retired_at,
            compounds.c.retired_reason,
            compounds.c.merged_into,
        )
        .order_by(compounds.c.id)
        .offset(offset)
    )
    if not include_retired:
        query = query.where(compounds.c.retired_at.is_(None))
    if limit is not None:
        query = query.limit(limit)
    rows = connection.execute(query).all()
    if not rows:
        return []
    first, last = rows[0][0], rows[-1][0]
    cas_by_id: dict[int, list[CasEntry]] = {}
    cas_rows = connection.execute(
        select(
            identifiers.c.compound_id,
            identifiers.c.value,
            identifiers.c.role,
            identifiers.c.form,
            identifiers.c.source,
        )
        .where(
            identifiers.c.kind == "cas",
            identifiers.c.compound_id.between(first, last),
        )
        .order_by(identifiers.c.compound_id, identifiers.c.position, identifiers.c.id)
    )
    for compound_id, value, role, form, source in cas_rows:
        cas_by_id.setdefault(compound_id, []).append(
            CasEntry(value, role or "unknown", form, source)
        )
    return [
        Compound(
            registry_id=format_registry_id(r[0]),
            name=r[1],
            smiles=r[2],
            inchikey=r[3],
            formula=r[4],
            parent_id=format_registry_id(r[5]) if r[5] is not None else "",
            is_salt=bool(r[6]),
            cas=tuple(cas_by_id.get(r[0], ())),
            retired_at=iso(r[7]),
            retired_reason=r[8] or "",
            merged_into=format_registry_id(r[9]) if r[9] is not None else "",
        )
        for r in rows
    ]


def record_state(connection: Connection, compound_id: int) -> dict[str, Any]:
    """The record-file state of a compound: front matter extras, original text, digest.

    Raises NotFound when there is no such compound.
    """
    state = record_states(connection, [compound_id]).get(compound_id)
    if state is None:
        raise NotFound(f"no compound {format_registry_id(compound_id)}")
    return state


def record_states(connection: Connection, compound_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """:func:`record_state` of each of ``compound_ids`` that exists, by id."""
    ids = list(dict.fromkeys(compound_ids))
    states: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), IN_LIMIT):
        query = select(
            compounds.c.id,
            compounds.c.record_meta,
            compounds.c.record_text,
            compounds.c.record_digest,
        ).where(compounds.c.id.in_(ids[start : start + IN_LIMIT]))
        for compound_id, meta, text_, digest in connection.execute(query):
            state = {"meta": json.loads(meta) if meta else {}, "text": text_, "digest": digest}
            states[compound_id] = state
    return states
