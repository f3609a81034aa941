"""Changing registered compounds in place: identifiers, retirement, merges.

Every function takes the connection of one write transaction (:meth:`Store.write`), so an edit
or a merge commits whole or not at all. The service decides what to change and writes the
audit rows (:mod:`registry.service.edits`, :mod:`registry.service.merging`); this module only
reads the rows it needs and changes them.

A compound is never deleted. Retiring one sets ``retired_at`` and ``retired_reason`` and keeps
its structure and identifiers, so its registration hash and identifying numbers still belong
to it and can name no other compound. Merging moves identifiers, notes and properties to the
compound kept and sets ``merged_into``, which queries follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection

from registry.errors import NotFound
from registry.store.matching import format_registry_id, identifier_ids, key
from registry.store.reads import IN_LIMIT
from registry.store.schema import compounds, identifiers, notes, properties
from registry.store.writes import now

__all__ = [
    "COMPUTED_SOURCE",
    "IdentifierRow",
    "NoteRow",
    "PropertyRow",
    "State",
    "delete_identifier",
    "delete_note",
    "delete_property",
    "holders",
    "identifier_rows",
    "mark_merged",
    "merge_targets",
    "move_identifier",
    "move_note",
    "move_property",
    "named",
    "next_position",
    "note_rows",
    "property_rows",
    "repoint_salts",
    "set_retired",
    "set_role",
    "set_status",
    "state",
    "statuses",
    "touch",
]

#: The source of the descriptors computed from a compound's own structure: they describe that
#: structure, so a merge leaves them with it.
COMPUTED_SOURCE = "rdkit"


@dataclass(frozen=True, slots=True)
class State:
    """What an edit checks about a compound before changing it."""

    id: int
    name: str
    retired_at: datetime | None
    retired_reason: str
    merged_into: int | None
    parent_id: int | None

    @property
    def registry_id(self) -> str:
        return format_registry_id(self.id)


@dataclass(frozen=True, slots=True)
class IdentifierRow:
    """One stored identifier of a compound (a CAS number, another identifier or a synonym)."""

    id: int
    kind: str
    value: str
    value_key: str
    role: str | None
    form: str
    source: str
    exclusive: bool
    position: int


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One stored note, as a merge compares and moves it."""

    id: int
    section: str
    body: str
    source: str


@dataclass(frozen=True, slots=True)
class PropertyRow:
    """One stored property value, as a merge compares and moves it."""

    id: int
    name: str
    value: float | None
    unit: str
    source: str
    text: str | None
    reference: str | None

    @property
    def same_as(self) -> tuple[object, ...]:
        """What makes two values the same fact (one is dropped when a merge brings both)."""
        return (self.name, self.value, self.unit, self.source, self.text, self.reference)


def state(connection: Connection, compound_id: int) -> State:
    """The compound's name, retirement and merge state. Raises NotFound."""
    row = connection.execute(
        select(
            compounds.c.name,
            compounds.c.retired_at,
            compounds.c.retired_reason,
            compounds.c.merged_into,
            compounds.c.parent_id,
        ).where(compounds.c.id == compound_id)
    ).first()
    if row is None:
        raise NotFound(f"no compound {format_registry_id(compound_id)}")
    return State(compound_id, row[0], row[1], row[2] or "", row[3], row[4])


def identifier_rows(connection: Connection, compound_id: int) -> list[IdentifierRow]:
    """Every identifier of the compound (CAS numbers, others, synonyms) in recorded order."""
    rows = connection.execute(
        select(
            identifiers.c.id,
            identifiers.c.kind,
            identifiers.c.value,
            identifiers.c.value_key,
            identifiers.c.role,
            identifiers.c.form,
            identifiers.c.source,
            identifiers.c.exclusive,
            identifiers.c.position,
        )
        .where(identifiers.c.compound_id == compound_id)
        .order_by(identifiers.c.position, identifiers.c.id)
    )
    return [IdentifierRow(*row) for row in rows]


def holders(connection: Connection, kind: str, value: str, *, but: int) -> list[State]:
    """The compounds other than ``but`` that identifier ``(kind, value)`` identifies."""
    return [state(connection, i) for i in identifier_ids(connection, kind, value) if i != but]


def named(connection: Connection, name: str, *, but: int) -> list[State]:
    """The unmerged compounds other than ``but`` whose preferred name is ``name`` (any case)."""
    rows = connection.execute(
        select(compounds.c.id)
        .where(
            compounds.c.name_key == key(name),
            compounds.c.id != but,
            compounds.c.merged_into.is_(None),
        )
        .order_by(compounds.c.id)
    )
    return [state(connection, row[0]) for row in rows]


def next_position(connection: Connection, compound_id: int, *, of_notes: bool = False) -> int:
    """The position after the compound's last identifier (or note)."""
    table = notes if of_notes else identifiers
    highest = connection.execute(
        select(func.coalesce(func.max(table.c.position), -1)).where(
            table.c.compound_id == compound_id
        )
    ).scalar_one()
    return int(highest) + 1


def touch(connection: Connection, compound_id: int) -> None:
    """Record that the compound changed now (its ``updated_at``)."""
    connection.execute(
        update(compounds).where(compounds.c.id == compound_id).values(updated_at=now())
    )


def delete_identifier(connection: Connection, row_id: int) -> None:
    """Remove one identifier row."""
    connection.execute(delete(identifiers).where(identifiers.c.id == row_id))


def set_role(connection: Connection, row_id: int, role: str | None, exclusive: bool) -> None:
    """Give a CAS number another role (and whether it now identifies its compound)."""
    connection.execute(
        update(identifiers).where(identifiers.c.id == row_id).values(role=role, exclusive=exclusive)
    )


def set_retired(
    connection: Connection, compound_id: int, at: datetime | None, reason: str | None
) -> None:
    """Retire the compound (``at`` and ``reason``), or restore it (both None)."""
    connection.execute(
        update(compounds)
        .where(compounds.c.id == compound_id)
        .values(retired_at=at, retired_reason=reason, updated_at=now())
    )


def set_status(
    connection: Connection,
    compound_id: int,
    at: datetime | None,
    reason: str | None,
    merged_into: int | None,
) -> None:
    """Set the whole retired/merged state at once, as an imported export states it."""
    connection.execute(
        update(compounds)
        .where(compounds.c.id == compound_id)
        .values(retired_at=at, retired_reason=reason, merged_into=merged_into, updated_at=now())
    )


def mark_merged(connection: Connection, source: int, target: int, reason: str) -> list[int]:
    """Retire ``source`` as merged into ``target``; returns the compounds re-pointed with it.

    Compounds merged into ``source`` earlier now point at ``target`` as well, so a redirect
    is always one step (:func:`registry.store.reads.merge_targets`).
    """
    stamp = now()
    connection.execute(
        update(compounds)
        .where(compounds.c.id == source)
        .values(merged_into=target, retired_at=stamp, retired_reason=reason, updated_at=stamp)
    )
    return _repoint(connection, "merged_into", source, target)


def move_identifier(
    connection: Connection, row_id: int, target: int, position: int, exclusive: bool
) -> None:
    """Give an identifier row to compound ``target`` at ``position``."""
    connection.execute(
        update(identifiers)
        .where(identifiers.c.id == row_id)
        .values(compound_id=target, position=position, exclusive=exclusive, origin="")
    )


def note_rows(connection: Connection, compound_id: int) -> list[NoteRow]:
    """The compound's notes in recorded order."""
    rows = connection.execute(
        select(notes.c.id, notes.c.section, notes.c.body, notes.c.source)
        .where(notes.c.compound_id == compound_id)
        .order_by(notes.c.position, notes.c.id)
    )
    return [NoteRow(*row) for row in rows]


def move_note(connection: Connection, row_id: int, target: int, position: int) -> None:
    """Give a note to compound ``target`` at ``position`` (no longer from a record file)."""
    connection.execute(
        update(notes)
        .where(notes.c.id == row_id)
        .values(compound_id=target, position=position, origin="")
    )


def delete_note(connection: Connection, row_id: int) -> None:
    """Remove one note row."""
    connection.execute(delete(notes).where(notes.c.id == row_id))


def property_rows(connection: Connection, compound_id: int) -> list[PropertyRow]:
    """The compound's property values, by id."""
    rows = connection.execute(
        select(
            properties.c.id,
            properties.c.name,
            properties.c.value,
            properties.c.unit,
            properties.c.source,
            properties.c.text,
            properties.c.reference,
        )
        .where(properties.c.compound_id == compound_id)
        .order_by(properties.c.id)
    )
    return [PropertyRow(*row) for row in rows]


def move_property(connection: Connection, row_id: int, target: int) -> None:
    """Give a property value to compound ``target``."""
    connection.execute(
        update(properties).where(properties.c.id == row_id).values(compound_id=target)
    )


def delete_property(connection: Connection, row_id: int) -> None:
    """Remove one property value."""
    connection.execute(delete(properties).where(properties.c.id == row_id))


def repoint_salts(connection: Connection, source: int, target: int) -> list[int]:
    """Make the salt forms of ``source`` salt forms of ``target``; returns their ids."""
    return _repoint(connection, "parent_id", source, target)


def _repoint(connection: Connection, column: str, source: int, target: int) -> list[int]:
    """Set ``column`` to ``target`` in the compounds where it is ``source``; their ids."""
    ids = [
        row[0]
        for row in connection.execute(
            select(compounds.c.id).where(compounds.c[column] == source).order_by("id")
        )
    ]
    if ids:
        connection.execute(
            update(compounds)
            .where(compounds.c.id.in_(ids))
            .values({column: target, "updated_at": now()})
        )
    return ids


def statuses(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    """id -> ``retired`` or ``merged into REG-...`` for those of ``ids`` not in use."""
    found: dict[int, str] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_LIMIT):
        query = select(compounds.c.id, compounds.c.merged_into).where(
            compounds.c.id.in_(unique[start : start + IN_LIMIT]),
            compounds.c.retired_at.is_not(None),
        )
        for compound_id, into in connection.execute(query):
            merged = f"merged into {format_registry_id(into)}" if into is not None else ""
            found[compound_id] = merged or "retired"
    return found


# Built once: these run on every look-up (building a select costs more than running it).
_MERGED = select(compounds.c.id, compounds.c.merged_into).where(
    compounds.c.id.in_(bindparam("ids", expanding=True)), compounds.c.merged_into.is_not(None)
)


def merge_targets(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """id -> the compound it was merged into, for those of ``ids`` that were merged.

    One step is enough: a merge points at an unmerged compound, and merging that one later
    re-points every compound merged into it (:func:`mark_merged`).
    """
    found: dict[int, int] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), IN_LIMIT):
        chunk = unique[start : start + IN_LIMIT]
        found.update({row[0]: row[1] for row in connection.execute(_MERGED, {"ids": chunk})})
    return found
