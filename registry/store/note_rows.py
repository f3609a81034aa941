"""A compound's note rows by position: read with their ids, changed, removed.

Positions are what ``registry note show`` numbers (1 for the first note, in stored order);
the functions here take the connection of one transaction, so a caller reads the rows and
changes one of them without another writer moving them in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from registry.models import Note
from registry.store.matching import key
from registry.store.schema import notes
from registry.store.writes import now

__all__ = ["NoteRow", "delete_note", "numbered_rows", "update_note"]


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One stored note: its row id, its position among the compound's notes, its fields."""

    id: int
    number: int
    section: str
    body: str
    source: str


def numbered_rows(connection: Connection, compound_id: int) -> list[NoteRow]:
    """The compound's notes in stored order, numbered from 1, their sections as stored."""
    rows = connection.execute(
        select(notes.c.id, notes.c.section, notes.c.body, notes.c.source)
        .where(notes.c.compound_id == compound_id)
        .order_by(notes.c.position, notes.c.id)
    )
    return [
        NoteRow(row.id, number, row.section, row.body, row.source)
        for number, row in enumerate(rows, 1)
    ]


def update_note(connection: Connection, note_id: int, note: Note) -> None:
    """Replace a note's section, body, citations and source; ``updated_at`` becomes now."""
    connection.execute(
        update(notes)
        .where(notes.c.id == note_id)
        .values(
            section=note.section,
            body=note.body,
            citations=json.dumps(list(note.citations)),
            source=note.source,
            search_text=key(f"{note.section}\n{note.body}"),
            updated_at=now(),
        )
    )


def delete_note(connection: Connection, note_id: int) -> None:
    """Remove one note row."""
    connection.execute(delete(notes).where(notes.c.id == note_id))
