"""Pharmacology notes attached to compounds: reading them by section, adding one."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from registry import records
from registry.errors import ValidationError
from registry.models import Compound, Note
from registry.service.checks import check_text
from registry.service.conflicts import retrying
from registry.service.resolve import find_id

if TYPE_CHECKING:
    from registry.store import Store

__all__ = ["add_note", "notes_of"]


def notes_of(compound: Compound, section: str | None = None) -> tuple[Note, ...]:
    """The notes of a compound, optionally of one section (case-insensitive)."""
    if section is None:
        return compound.notes
    wanted = section.casefold().strip()
    return tuple(n for n in compound.notes if n.section.casefold() == wanted)


def add_note(
    store: Store, author: str, query: str, section: str, body: str, *, source: str = "user"
) -> Note:
    """Attach a note to the compound ``query`` names, in one transaction.

    A section name is one line of text without ``#``; the body may not use ``#``/``##``
    headings (they delimit notes in record files). Its citations are the ``[^n]`` markers it
    uses. A note the compound has already (same section, body and source) is not added again.
    """
    check_text(section, body, source)
    section = records.check_one_line(section, "section name")
    if not section:
        raise ValidationError("a note needs a section name")
    if section.startswith("#"):
        raise ValidationError("a section name is one line of text, without '#'")
    source = records.check_one_line(source, "source")
    text = records.check_note_body(body)
    note = Note(
        section=section,
        body=text,
        source=source,
        citations=records.citations(text),
        author=author,
    )

    def work() -> Note:
        with store.write() as connection:
            compound_id = find_id(store, connection, query)
            if store.add_note(connection, compound_id, note):
                detail = json.dumps({"section": note.section, "source": source})
                store.log(connection, "note", author, compound_id, detail)
            return note

    return retrying(work)
