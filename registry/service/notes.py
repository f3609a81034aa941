"""Pharmacology notes attached to compounds: reading them by section, adding, editing, removing.

The rules a note follows (see ``docs/notes.md``):

* **Sections** are one section whatever their case or spacing: ``mechanism``, ``Mechanism`` and
  ``MECHANISM`` are stored and shown as ``Mechanism`` (a suggested section,
  :data:`registry.models.SUGGESTED_SECTIONS`, takes that list's spelling; any other section
  the spelling the compound first used for it). Notes stored before this rule read the same way.
* **Identical notes** (same section and text, whatever the source) are not added twice: the
  note the compound has is returned, with a :class:`DuplicateNote` warning.
* **Footnotes**: ``[^4]`` cites, a line ``[^4]: ...`` defines. The notes of one compound are one
  Markdown document (its record file), so a definition in any of them serves all. Adding or
  editing a note warns (:class:`UndefinedFootnote`, naming the markers) when it cites a footnote
  no note of the compound defines, and (:class:`FootnoteConflict`) when it defines one that
  another note defines differently; editing or removing a note warns when it takes away the
  only definition other notes cite.
* **Numbers**: :func:`edit_note` and :func:`remove_note` name a note by its number among the
  compound's notes (1 for the first, as ``registry note show`` lists them). Each change is one
  transaction and writes one audit row (``note-edit``, ``note-remove``) with the fields' values
  before and after; a change that changes nothing writes none.

Warnings are issued with :func:`warnings.warn` once the change is committed.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from registry import records
from registry.errors import NotFound, ValidationError
from registry.models import Compound, Note, canonical_sections, section_key
from registry.records.note_text import (
    DuplicateNote,
    FootnoteConflict,
    NoteWarning,
    UndefinedFootnote,
    definitions,
    undefined_citations,
)
from registry.service.checks import check_text
from registry.service.conflicts import retrying
from registry.service.resolve import find_id
from registry.store.matching import format_registry_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store
    from registry.store.note_rows import NoteRow

__all__ = [
    "DuplicateNote",
    "FootnoteConflict",
    "NoteChange",
    "NoteWarning",
    "UndefinedFootnote",
    "add_note",
    "edit_note",
    "notes_of",
    "numbered_notes",
    "remove_note",
]


@dataclass(frozen=True, slots=True)
class NoteChange:
    """What :func:`edit_note` or :func:`remove_note` did to one note.

    Attributes:
        registry_id: the compound.
        number: the note's number among the compound's notes (before a removal).
        before: the note as it was.
        after: the note as it is now; None when it was removed.
        changed: the fields that changed (``section``, ``body``, ``source``; ``note`` for a
            removal); empty when nothing did (and no audit row was written).
    """

    registry_id: str
    number: int
    before: Note
    after: Note | None
    changed: tuple[str, ...]


def notes_of(compound: Compound, section: str | None = None) -> tuple[Note, ...]:
    """The notes of a compound, optionally of one section (case and spacing do not count)."""
    return tuple(note for _, note in numbered_notes(compound, section))


def numbered_notes(compound: Compound, section: str | None = None) -> list[tuple[int, Note]]:
    """``(number, note)`` for the compound's notes (optionally of one section), numbered from 1.

    The numbers are the ones :func:`edit_note` and :func:`remove_note` take.
    """
    numbered = list(enumerate(compound.notes, 1))
    if section is None:
        return numbered
    wanted = section_key(section)
    return [(n, note) for n, note in numbered if section_key(note.section) == wanted]


# --- checks -------------------------------------------------------------------------------------


def _section(section: str) -> str:
    section = records.check_one_line(section, "section name")
    if not section:
        raise ValidationError("a note needs a section name")
    if section.startswith("#"):
        raise ValidationError("a section name is one line of text, without '#'")
    return section


def _shown(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")


def _footnote_warnings(body: str, others: Sequence[NoteRow], registry_id: str) -> list[NoteWarning]:
    """Warnings for ``body`` among the compound's ``others`` notes: conflicts, then undefined."""
    found: list[NoteWarning] = []
    elsewhere: dict[str, tuple[int, str]] = {}
    for row in others:
        for label, block in definitions(row.body).items():
            elsewhere.setdefault(label, (row.number, block))
    for label, block in definitions(body).items():
        if label in elsewhere and elsewhere[label][1] != block:
            number, theirs = elsewhere[label]
            found.append(
                FootnoteConflict(
                    f"footnote [^{label}] is defined differently by note {number} of "
                    f"{registry_id} ({_shown(theirs)}); a record file keeps both, and Markdown "
                    "readers use the first"
                )
            )
    missing = undefined_citations(body, {k: v[1] for k, v in elsewhere.items()})
    if missing:
        markers = ", ".join(f"[^{label}]" for label in missing)
        found.append(
            UndefinedFootnote(
                f"the note cites {markers} without a definition: no note of {registry_id} has "
                f"a line '[^{missing[0]}]: ...'",
                missing,
            )
        )
    return found


def _orphaned(
    before: Sequence[NoteRow], after: Sequence[NoteRow], registry_id: str, changed: int
) -> list[NoteWarning]:
    """Warnings for markers the other notes cite whose only definition the change took away.

    ``after`` is numbered as the notes are after the change; ``changed`` is the row id of the
    note edited or removed (its own citations are checked where it is edited).
    """
    found: list[NoteWarning] = []
    for row in after:
        if row.id == changed:
            continue
        elsewhere_before: dict[str, str] = {}
        elsewhere_after: dict[str, str] = {}
        for other in before:
            if other.id != row.id:
                elsewhere_before.update(definitions(other.body))
        for other in after:
            if other.id != row.id:
                elsewhere_after.update(definitions(other.body))
        was = set(undefined_citations(row.body, elsewhere_before))
        lost = tuple(
            label for label in undefined_citations(row.body, elsewhere_after) if label not in was
        )
        if lost:
            markers = ", ".join(f"[^{label}]" for label in lost)
            found.append(
                UndefinedFootnote(
                    f"note {row.number} of {registry_id} cites {markers}, whose definition "
                    "this change took away",
                    lost,
                )
            )
    return found


def _issue(found: Sequence[NoteWarning]) -> None:
    for warning in found:
        warnings.warn(warning, stacklevel=4)


def _audit(changes: list[dict[str, Any]]) -> str:
    value: Any = changes[0] if len(changes) == 1 else changes
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _rows(connection: Connection, compound_id: int) -> list[NoteRow]:
    from registry.store.note_rows import numbered_rows  # SQLAlchemy: only with a store

    return numbered_rows(connection, compound_id)


def _numbered(rows: Sequence[NoteRow], number: int, registry_id: str) -> NoteRow:
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"number must be an int (1 for the first note), not {number!r}")
    if not 1 <= number <= len(rows):
        held = f"its notes are 1 to {len(rows)}" if rows else "it has no notes"
        raise NotFound(f"{registry_id} has no note {number}; {held}")
    return rows[number - 1]


def _target(
    store: Store, connection: Connection, query: str, number: int
) -> tuple[int, str, list[NoteRow], NoteRow, list[NoteRow]]:
    """(compound id, registry id, its notes, note ``number``, the other notes) of the
    compound ``query`` names."""
    compound_id = find_id(store, connection, query)
    registry_id = format_registry_id(compound_id)
    rows = _rows(connection, compound_id)
    row = _numbered(rows, number, registry_id)
    return compound_id, registry_id, rows, row, [r for r in rows if r.id != row.id]


def _note(row: NoteRow, section: str | None = None) -> Note:
    return Note(
        section=section or row.section,
        body=row.body,
        source=row.source,
        citations=records.citations(row.body),
    )


# --- changes ------------------------------------------------------------------------------------


def add_note(
    store: Store, author: str, query: str, section: str, body: str, *, source: str = "user"
) -> Note:
    """Attach a note to the compound ``query`` names, in one transaction.

    A section name is one line of text without ``#``; the body may not use ``#``/``##``
    headings (they delimit notes in record files). Its citations are the ``[^n]`` markers it
    uses. Returns the note as stored (its section in canonical spelling); when the compound has
    this note already (same section and body), returns that one and warns
    :class:`DuplicateNote` instead of adding it again. Warns :class:`UndefinedFootnote` and
    :class:`FootnoteConflict` as the module says.
    """
    check_text(section, body, source)
    section = _section(section)
    source = records.check_one_line(source, "source")
    text = records.check_note_body(body)

    def work() -> tuple[Note, list[NoteWarning]]:
        with store.write() as connection:
            compound_id = find_id(store, connection, query)
            registry_id = format_registry_id(compound_id)
            rows = _rows(connection, compound_id)
            spelling = canonical_sections([*(r.section for r in rows), section])[-1]
            for row in rows:
                if section_key(row.section) == section_key(spelling) and row.body == text:
                    shown = canonical_sections([r.section for r in rows])[row.number - 1]
                    message = (
                        f"{registry_id} has this note already (note {row.number}, "
                        f"'{shown}', source {row.source!r}): not added again"
                    )
                    return _note(row, shown), [DuplicateNote(message)]
            note = Note(
                section=spelling,
                body=text,
                source=source,
                citations=records.citations(text),
                author=author,
            )
            found = _footnote_warnings(text, rows, registry_id)
            if store.add_note(connection, compound_id, note):
                detail = json.dumps({"section": note.section, "source": source})
                store.log(connection, "note", author, compound_id, detail)
            return note, found

    note, found = retrying(work)
    _issue(found)
    return note


def edit_note(
    store: Store,
    author: str,
    query: str,
    number: int,
    *,
    section: str | None = None,
    body: str | None = None,
    source: str | None = None,
) -> NoteChange:
    """Change note ``number`` of the compound ``query`` names: its section, body or source.

    What is not given stays. The new values follow :func:`add_note`'s rules; an edit that would
    make the note repeat another of the compound's notes is refused (remove it instead). One
    transaction, one ``note-edit`` audit row listing each changed field before and after;
    nothing changed, no row.

    Raises:
        NotFound: no such compound, or it has no note ``number``.
        ValidationError: a value breaks the note rules, or nothing to change was given.
    """
    if section is None and body is None and source is None:
        raise ValidationError("nothing to change: give a new section, body or source")
    check_text(section or "", body or "", source or "")
    new_section = _section(section) if section is not None else None
    new_source = records.check_one_line(source, "source") if source is not None else None
    new_body = records.check_note_body(body) if body is not None else None

    def work() -> tuple[NoteChange, list[NoteWarning]]:
        with store.write() as connection:
            compound_id, registry_id, rows, row, others = _target(store, connection, query, number)
            spelling = row.section
            if new_section is not None:
                spelling = canonical_sections([*(r.section for r in others), new_section])[-1]
            after = Note(
                section=spelling,
                body=row.body if new_body is None else new_body,
                source=row.source if new_source is None else new_source,
                citations=records.citations(row.body if new_body is None else new_body),
            )
            before = _note(row, canonical_sections([r.section for r in rows])[row.number - 1])
            fields = [
                (name, getattr(row, name), getattr(after, name))
                for name in ("section", "body", "source")
                if getattr(row, name) != getattr(after, name)
            ]
            if not fields:
                return NoteChange(registry_id, number, before, before, ()), []
            for other in others:
                if section_key(other.section) == section_key(spelling) and other.body == after.body:
                    raise ValidationError(
                        f"the edit would make note {number} of {registry_id} repeat note "
                        f"{other.number}; remove one of them instead"
                    )
            from registry.store.note_rows import update_note

            update_note(connection, row.id, after)
            changes = [{"field": f, "before": old, "after": new} for f, old, new in fields]
            store.log(connection, "note-edit", author, compound_id, _audit(changes))
            found = []
            if new_body is not None:
                found = _footnote_warnings(after.body, others, registry_id)
            mine = replace(row, section=after.section, body=after.body, source=after.source)
            edited = [mine if r.id == row.id else r for r in rows]
            found += _orphaned(rows, edited, registry_id, row.id)
            changed = tuple(f for f, _, _ in fields)
            return NoteChange(registry_id, number, before, after, changed), found

    outcome, found = retrying(work)
    _issue(found)
    return outcome


def remove_note(store: Store, author: str, query: str, number: int) -> NoteChange:
    """Remove note ``number`` of the compound ``query`` names, in one transaction.

    Writes one ``note-remove`` audit row holding the note (section, body, source) as
    ``before``. The later notes' numbers move up by one.

    Raises:
        NotFound: no such compound, or it has no note ``number``.
    """

    def work() -> tuple[NoteChange, list[NoteWarning]]:
        with store.write() as connection:
            compound_id, registry_id, rows, row, others = _target(store, connection, query, number)
            before = _note(row, canonical_sections([r.section for r in rows])[row.number - 1])
            from registry.store.note_rows import delete_note

            delete_note(connection, row.id)
            held = {"section": row.section, "body": row.body, "source": row.source}
            change = {"field": "note", "before": held, "after": None}
            store.log(connection, "note-remove", author, compound_id, _audit([change]))
            left = [replace(r, number=n) for n, r in enumerate(others, 1)]
            found = _orphaned(rows, left, registry_id, row.id)
            return NoteChange(registry_id, number, before, None, ("note",)), found

    outcome, found = retrying(work)
    _issue(found)
    return outcome
