"""What a file's rows say about compounds besides their structure, attached a batch at a time.

:func:`annotate` runs inside the write transaction that registered the batch's structures, so
a batch's compounds and everything its rows say about them commit together. It reads what the
batch's compounds hold in a few queries (not one per row), adds only what is new, and writes
one audit row per compound it changed: attaching what is attached already changes nothing and
writes nothing. An identifying number that another compound holds is not attached; it comes
back as a conflict naming that compound, for the import to report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.sql.elements import ColumnElement

from registry.models import CasEntry, Identifier, Note, Property
from registry.store.matching import format_registry_id, key
from registry.store.property_rows import property_columns, property_from_row
from registry.store.reads import IN_LIMIT
from registry.store.schema import compounds, identifiers, properties
from registry.store.writes import add_note, family, log_many, now

__all__ = ["Annotated", "Annotation", "annotate", "synonym_sources"]


@dataclass(frozen=True, slots=True)
class Annotation:
    """What one input row says about its compound.

    Attributes:
        row: the row (file line or record number) it comes from, for messages and the audit.
        cas: CAS numbers with role, form and source.
        identifiers: other identifiers and synonyms (kind ``synonym``), each with its source.
            A synonym equal to the compound's name is not added.
        notes: notes; one identical to a note the compound has (section, body, source) is not
            added again. A note without an author gets the importing author.
        properties: values with provenance; each (name, source) given replaces that source's
            values of that property on the compound, when they differ.
    """

    row: int
    cas: tuple[CasEntry, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    notes: tuple[Note, ...] = ()
    properties: tuple[Property, ...] = ()


@dataclass(slots=True)
class Annotated:
    """What :func:`annotate` did.

    Attributes:
        changed: the compounds that got something, by id.
        conflicts: ``(row, message)`` for each identifying number another compound holds (not
            attached).
        differences: ``(row, message)`` for each CAS number the compound holds with another
            role than the row gives (kept as recorded: changing a role is an edit).
    """

    changed: list[int] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    differences: list[tuple[int, str]] = field(default_factory=list)


# (compound id, row, kind, value, CAS role or None, salt form, source)
_Wanted = tuple[int, int, str, str, str | None, str, str]


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), IN_LIMIT):
        yield list(ids[start : start + IN_LIMIT])


def _held(
    connection: Connection, ids: Sequence[int]
) -> tuple[dict[int, dict[tuple[str, str], str | None]], dict[int, int]]:
    """Per compound: its identifiers ``(kind, value key) -> role``, and its last position."""
    held: dict[int, dict[tuple[str, str], str | None]] = {i: {} for i in ids}
    last: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = select(
            identifiers.c.compound_id,
            identifiers.c.kind,
            identifiers.c.value_key,
            identifiers.c.role,
            identifiers.c.position,
        ).where(identifiers.c.compound_id.in_(chunk))
        for compound_id, kind, value_key, role, position in connection.execute(query):
            held[compound_id][(kind, value_key)] = role
            last[compound_id] = max(last.get(compound_id, -1), position)
    return held, last


def _name_keys(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        query = select(compounds.c.id, compounds.c.name_key).where(compounds.c.id.in_(chunk))
        found.update({row[0]: row[1] for row in connection.execute(query)})
    return found


def _owners(connection: Connection, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``(kind, value key) -> compound`` for identifying values some compound holds."""
    found: dict[tuple[str, str], int] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, value_key in wanted:
        by_kind.setdefault(kind, []).append(value_key)
    for kind, keys in by_kind.items():
        for start in range(0, len(keys), IN_LIMIT):
            query = select(
                identifiers.c.value_key, identifiers.c.compound_id
            ).where(
                identifiers.c.kind == kind,
                identifiers.c.exclusive.is_(True),
                identifiers.c.value_key.in_(keys[start : start + IN_LIMIT]),
            )  # fmt: skip
            found.update({(kind, row[0]): row[1] for row in connection.execute(query)})
    return found


def _label(kind: str, value: str, role: str | None) -> str:
    return f"{value} ({role})" if kind == "cas" else value


def _wanted(targets: Sequence[tuple[int, Annotation]]) -> list[_Wanted]:
    rows: list[_Wanted] = []
    for compound_id, a in targets:
        rows += [(compound_id, a.row, "cas", e.number, e.role, e.form, e.source) for e in a.cas]
        rows += [(compound_id, a.row, i.kind, i.value, None, "", i.source) for i in a.identifiers]
    return rows


def _identifiers(
    connection: Connection,
    targets: Sequence[tuple[int, Annotation]],
    added: dict[int, dict[str, list[str]]],
    result: Annotated,
) -> None:
    ids = sorted({compound_id for compound_id, _ in targets})
    held, last = _held(connection, ids)
    names = _name_keys(connection, ids)
    fresh: list[tuple[_Wanted, str, bool]] = []
    for item in _wanted(targets):
        compound_id, row, kind, value, role, _, _ = item
        value_key = key(value)
        if kind == "synonym" and value_key == names.get(compound_id):
            continue
        have = held[compound_id]
        if (kind, value_key) in have:
            if kind == "cas" and have[(kind, value_key)] != role:
                result.differences.append(
                    (
                        row,
                        f"CAS {value} is recorded as {have[(kind, value_key)]} on "
                        f"{format_registry_id(compound_id)}; the row says {role}: kept as "
                        "recorded",
                    )
                )
            continue
        have[(kind, value_key)] = role
        exclusive = kind != "synonym" and not (kind == "cas" and role == "unknown")
        fresh.append((item, value_key, exclusive))
    owners = _owners(connection, {(i[2], k) for i, k, exclusive in fresh if exclusive})
    values: list[dict[str, Any]] = []
    stamp = now()
    for (compound_id, row, kind, value, role, form, source), value_key, exclusive in fresh:
        owner = owners.get((kind, value_key))
        if exclusive and owner is not None and owner != compound_id:
            if owner in family(connection, compound_id):
                exclusive = False  # parent and salt forms may share a number; the first keeps it
            else:
                result.conflicts.append(
                    (
                        row,
                        f"{'CAS' if kind == 'cas' else kind} {value} already identifies "
                        f"{format_registry_id(owner)}; not attached to "
                        f"{format_registry_id(compound_id)}",
                    )
                )
                continue
        if exclusive:
            owners[(kind, value_key)] = compound_id  # a later row of the batch meets it
        last[compound_id] = last.get(compound_id, -1) + 1
        values.append(
            {
                "compound_id": compound_id,
                "kind": kind,
                "value": value,
                "value_key": value_key,
                "role": role if kind == "cas" else None,
                "form": form,
                "source": source,
                "origin": "",
                "exclusive": exclusive,
                "position": last[compound_id],
                "created_at": stamp,
            }
        )
        added.setdefault(compound_id, {}).setdefault(kind, []).append(_label(kind, value, role))
    if values:
        connection.execute(insert(identifiers), values)


def _existing_properties(
    connection: Connection, ids: Sequence[int], sources: Sequence[str]
) -> dict[tuple[int, str, str], list[tuple[int, Property]]]:
    found: dict[tuple[int, str, str], list[tuple[int, Property]]] = {}
    for chunk in _chunks(ids):
        query = (
            select(properties)
            .where(properties.c.compound_id.in_(chunk), properties.c.source.in_(sources))
            .order_by(properties.c.id)
        )
        for row in connection.execute(query):
            group = (row.compound_id, row.name, row.source)
            found.setdefault(group, []).append((row.id, property_from_row(row)))
    return found


def _cell(values: Sequence[Property]) -> list[str | float | None]:
    return [p.text or p.value for p in values]


def _properties(
    connection: Connection,
    targets: Sequence[tuple[int, Annotation]],
    added: dict[int, dict[str, list[str]]],
    edits: dict[int, list[dict[str, Any]]],
) -> None:
    given: dict[tuple[int, str, str], list[Property]] = {}
    for compound_id, a in targets:
        for p in a.properties:
            group = given.setdefault((compound_id, p.name, p.source), [])
            if p not in group:
                group.append(p)
    if not given:
        return
    ids = sorted({group[0] for group in given})
    existing = _existing_properties(connection, ids, sorted({group[2] for group in given}))
    stale: list[int] = []
    rows: list[dict[str, Any]] = []
    for (compound_id, name, source), values in given.items():
        old = existing.get((compound_id, name, source), [])
        if [p for _, p in old] == values:
            continue
        stale += [row_id for row_id, _ in old]
        rows += [{"compound_id": compound_id, **property_columns(p)} for p in values]
        if old:
            edits.setdefault(compound_id, []).append(
                {
                    "field": f"{name} [source: {source}]",
                    "before": _cell([p for _, p in old]),
                    "after": _cell(values),
                }
            )
        else:
            added.setdefault(compound_id, {}).setdefault("property", []).append(name)
    for start in range(0, len(stale), IN_LIMIT):
        connection.execute(
            delete(properties).where(properties.c.id.in_(stale[start : start + IN_LIMIT]))
        )
    if rows:
        connection.execute(insert(properties), rows)


def annotate(
    connection: Connection,
    targets: Sequence[tuple[int, Annotation]],
    *,
    author: str,
    source: str,
) -> Annotated:
    """Attach each annotation to its compound (``(compound id, annotation)`` pairs).

    Writes one ``link`` audit row per compound changed, its ``detail`` naming every value
    added (``{"added": {"cas": ["50-78-2 (parent)"], ...}}``) and each property replaced
    (``{"changed": [{"field", "before", "after"}]}``), the rows and ``source``.
    """
    result = Annotated()
    if not targets:
        return result
    added: dict[int, dict[str, list[str]]] = {}
    edits: dict[int, list[dict[str, Any]]] = {}
    _identifiers(connection, targets, added, result)
    for compound_id, a in targets:
        for note in a.notes:
            if add_note(connection, compound_id, replace(note, author=note.author or author)):
                added.setdefault(compound_id, {}).setdefault("note", []).append(note.section)
    _properties(connection, targets, added, edits)
    rows: dict[int, list[int]] = {}
    for compound_id, a in targets:
        rows.setdefault(compound_id, []).append(a.row)
    changed = [i for i in rows if i in added or i in edits]
    entries = []
    for compound_id in changed:
        detail: dict[str, Any] = {"rows": rows[compound_id], "source": source}
        if compound_id in added:
            detail["added"] = added[compound_id]
        if compound_id in edits:
            detail["changed"] = edits[compound_id]
        text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        entries.append(
            {"action": "link", "author": author, "compound_id": compound_id, "detail": text}
        )
    log_many(connection, entries)
    result.changed = changed
    return result


def synonym_sources(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Per compound, each synonym with its source (what :class:`Compound` does not carry)."""
    found: dict[int, dict[str, str]] = {}
    condition: ColumnElement[bool]
    for chunk in _chunks(ids):
        condition = identifiers.c.compound_id.in_(chunk) & (identifiers.c.kind == "synonym")
        query = (
            select(identifiers.c.compound_id, identifiers.c.value, identifiers.c.source)
            .where(condition)
            .order_by(identifiers.c.compound_id, identifiers.c.position, identifiers.c.id)
        )
        for compound_id, value, source in connection.execute(query):
            found.setdefault(compound_id, {})[value] = source
    return found
