"""The note methods of :class:`~registry.service.Registry`: numbered notes, edit, remove.

:class:`NoteMethods` is a base class of ``Registry`` (kept here so that the facade's module
stays small); each method delegates to :mod:`registry.service.notes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.models import Note
from registry.service import notes as notes_case
from registry.service.notes import NoteChange
from registry.service.resolve import find_id

if TYPE_CHECKING:
    from registry.config import Settings
    from registry.store import Store

__all__ = ["NoteMethods"]


class NoteMethods:
    """Reading a compound's notes by number, editing and removing them."""

    store: Store
    settings: Settings

    def numbered_notes(self, query: str, section: str | None = None) -> list[tuple[int, Note]]:
        """``(number, note)`` for the compound's notes (of one section, if given).

        The numbers (1 for the first note) are what :meth:`edit_note` and :meth:`remove_note`
        take; ``registry note show`` prints them.
        """
        with self.store.read() as connection:
            compound = self.store.load(connection, find_id(self.store, connection, query))
        return notes_case.numbered_notes(compound, section)

    def edit_note(
        self,
        query: str,
        number: int,
        *,
        section: str | None = None,
        body: str | None = None,
        source: str | None = None,
    ) -> NoteChange:
        """Change note ``number`` of a compound: its ``section``, ``body`` or ``source``.

        One transaction and one ``note-edit`` audit row with each changed field before and
        after (none when nothing changed). Warns as :meth:`add_note` does about footnotes.
        See :func:`registry.service.notes.edit_note`.

        >>> import warnings
        >>> from registry import Registry
        >>> with Registry.open("sqlite://", seed=False, author="doc") as reg:
        ...     _ = reg.add("CCO", name="ethanol")
        ...     _ = reg.add_note("ethanol", "usage", "A solvent.")
        ...     done = reg.edit_note("ethanol", 1, section="MECHANISM", body="Depresses the CNS.")
        >>> done.changed, done.after.section
        (('section', 'body'), 'Mechanism')
        """
        return notes_case.edit_note(
            self.store,
            self.settings.author,
            query,
            number,
            section=section,
            body=body,
            source=source,
        )

    def remove_note(self, query: str, number: int) -> NoteChange:
        """Remove note ``number`` of a compound (later notes move up one number).

        One transaction and one ``note-remove`` audit row holding the note removed. See
        :func:`registry.service.notes.remove_note`.
        """
        return notes_case.remove_note(self.store, self.settings.author, query, number)
