"""Merging a duplicate found late into the record that stays (``registry merge ID INTO``).

:func:`merge` moves, in one write transaction, everything the duplicate holds that the kept
record does not: CAS numbers (with their roles), other identifiers, synonyms, notes, and the
property values that came from somewhere else than its own structure (PubChem's, imported
ones). The duplicate's name becomes a synonym of the kept record. What both hold is kept once,
as the kept record has it. The duplicate's salt forms become salt forms of the kept record.

The duplicate is not deleted: it becomes a merged record, retired with the reason, keeping its
structure and the descriptors computed from it. Its registry id, name, numbers and structure
redirect to the kept record (:func:`registry.service.resolve.find_ids`), so ``show OLD`` shows
the kept record and says it was merged, and registering its structure again is refused
naming it.

Each compound changed gets one audit row, action ``merge``: the duplicate's lists
``merged_into`` and each item that left it, the kept record's ``merged_from`` and each item it
gained (see :mod:`registry.service.changes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry import records
from registry.errors import ValidationError
from registry.service.changes import Change, change, detail, identifier_change
from registry.service.checks import check_text
from registry.service.conflicts import retrying
from registry.service.edits import Edited, state_text
from registry.service.resolve import find_target
from registry.store import edits as rows
from registry.store import format_registry_id, key
from registry.store.writes import add_identifiers

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = ["merge"]


def merge(store: Store, author: str, query: str, into: str, *, reason: str = "") -> Edited:
    """Merge the compound ``query`` names into the one ``into`` names (one transaction).

    ``reason`` is kept as the merged record's retirement reason (default: "merged into
    REG-..."). ``into`` may name a merged record: the record it was merged into is used.
    Returns the kept record after the merge, with the changes made to it.

    Raises:
        ValidationError: both name the same compound; ``query`` names a merged record; the
            record to keep is retired.
        NotFound, Ambiguous: as :meth:`Registry.get`.
    """
    check_text(reason)
    reason = records.check_one_line(reason, "reason")

    def work() -> Edited:
        with store.write() as connection:
            source, target = _pair(store, connection, query, into)
            why = reason or f"merged into {target.registry_id}"
            gained: list[Change] = [change("merged_from", None, source.registry_id)]
            lost: list[Change] = [change("merged_into", None, target.registry_id)]
            _identifiers(connection, source, target, gained, lost)
            _notes(connection, source.id, target.id, gained, lost)
            _properties(connection, source.id, target.id, gained, lost)
            for salt in rows.repoint_salts(connection, source.id, target.id):
                moved = change("parent", source.registry_id, target.registry_id)
                store.log(connection, "merge", author, salt, detail([moved]))
            for earlier in rows.mark_merged(connection, source.id, target.id, why):
                moved = change("merged_into", source.registry_id, target.registry_id)
                store.log(connection, "merge", author, earlier, detail([moved]))
            rows.touch(connection, target.id)
            store.log(connection, "merge", author, source.id, detail(lost))
            store.log(connection, "merge", author, target.id, detail(gained))
            return Edited(store.load(connection, target.id), "merge", tuple(gained))

    return retrying(work)


def _pair(
    store: Store, connection: Connection, query: str, into: str
) -> tuple[rows.State, rows.State]:
    """The duplicate and the record to keep, checked."""
    found = find_target(store, connection, query)
    if found.only_merged is not None:
        merged = rows.state(connection, found.only_merged)
        raise ValidationError(
            f"{state_text(merged)} was merged into {format_registry_id(found.id)} already"
        )
    kept = find_target(store, connection, into).id
    if kept == found.id:
        raise ValidationError(
            f"{query!r} and {into!r} are the same record, {format_registry_id(kept)}: "
            "nothing to merge"
        )
    source, target = rows.state(connection, found.id), rows.state(connection, kept)
    if target.retired_at is not None:
        raise ValidationError(
            f"{state_text(target)} is retired ({target.retired_reason}): merge into a record "
            "in use (or restore it first)"
        )
    return source, target


def _identifiers(
    connection: Connection,
    source: rows.State,
    target: rows.State,
    gained: list[Change],
    lost: list[Change],
) -> None:
    """CAS numbers, identifiers and synonyms move; the duplicate's name becomes a synonym."""
    kept = {(r.kind, r.value_key): r for r in rows.identifier_rows(connection, target.id)}
    position = rows.next_position(connection, target.id)
    for row in rows.identifier_rows(connection, source.id):
        lost.append(identifier_change(row.kind, row.value, row.role, added=False))
        twin = kept.get((row.kind, row.value_key))
        if row.kind == "synonym" and row.value_key == key(target.name):
            rows.delete_identifier(connection, row.id)  # the kept record's own name
        elif twin is None:
            rows.move_identifier(connection, row.id, target.id, position, row.exclusive)
            position += 1
            gained.append(identifier_change(row.kind, row.value, row.role, added=True))
        else:
            rows.delete_identifier(connection, row.id)
            if row.exclusive and not twin.exclusive and twin.role != "unknown":
                # the duplicate identified it, the kept record only shared it: now it does
                rows.set_role(connection, twin.id, twin.role, True)
    names = {value_key for kind, value_key in kept if kind == "synonym"}
    if key(source.name) != key(target.name) and key(source.name) not in names:
        origin = f"merged from {source.registry_id}"
        if add_identifiers(connection, target.id, [("synonym", source.name, None, "", origin)]):
            gained.append(identifier_change("synonym", source.name, None, added=True))


def _note_value(note: rows.NoteRow) -> dict[str, str]:
    return {"section": note.section, "source": note.source, "body": note.body}


def _notes(
    connection: Connection, source: int, target: int, gained: list[Change], lost: list[Change]
) -> None:
    """Notes move after the kept record's own; one it has already (same section, body and
    source) is dropped from the duplicate."""
    kept = {(n.section, n.body, n.source) for n in rows.note_rows(connection, target)}
    position = rows.next_position(connection, target, of_notes=True)
    for note in rows.note_rows(connection, source):
        lost.append(change("note", _note_value(note), None))
        if (note.section, note.body, note.source) in kept:
            rows.delete_note(connection, note.id)
            continue
        rows.move_note(connection, note.id, target, position)
        position += 1
        gained.append(change("note", None, _note_value(note)))


def _property_text(value: rows.PropertyRow) -> str:
    shown = value.text or ("" if value.value is None else f"{value.value:g}")
    unit = f" {value.unit}" if value.unit else ""
    return f"{value.name} = {shown}{unit} ({value.source})"


def _properties(
    connection: Connection, source: int, target: int, gained: list[Change], lost: list[Change]
) -> None:
    """Values from other sources move (one the kept record has already is dropped); the
    descriptors computed from the duplicate's own structure stay with it."""
    kept = {p.same_as for p in rows.property_rows(connection, target)}
    for value in rows.property_rows(connection, source):
        if value.source == rows.COMPUTED_SOURCE:
            continue
        lost.append(change("property", _property_text(value), None))
        if value.same_as in kept:
            rows.delete_property(connection, value.id)
            continue
        rows.move_property(connection, value.id, target)
        kept.add(value.same_as)
        gained.append(change("property", None, _property_text(value)))
