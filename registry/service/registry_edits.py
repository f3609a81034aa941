"""The editing methods of :class:`~registry.service.Registry`: list_compounds, edit, retire,
restore, merge, history; and how search hits and ``get`` show retired and merged records.

:class:`Editing` is a base class of ``Registry`` (kept here so that the facade's module stays
small); each method delegates to its use case: :mod:`registry.service.edits`,
:mod:`registry.service.merging`, :mod:`registry.service.audit_trail`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from registry.models import AuditEntry, Compound, CompoundList, SearchHit, SearchResults
from registry.service import audit_trail as history_case
from registry.service import edits as edit_case
from registry.service import merging as merge_case
from registry.service.edits import Edited
from registry.service.search import CountedResults
from registry.store import edits as store_edits
from registry.store import format_registry_id, parse_registry_id

if TYPE_CHECKING:
    from typing import Unpack

    from registry.config import Settings
    from registry.service.edits import EditChanges
    from registry.store import Store

__all__ = ["Editing", "marked", "marked_many", "redirected"]


class Editing:
    """Listing registered compounds (retired ones left out) and changing them, each change in
    one transaction with its audit row."""

    store: Store
    settings: Settings

    def list_compounds(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        full: bool = False,
        include_retired: bool = False,
    ) -> CompoundList:
        """Registered compounds in registry order.

        By default each carries its identity (name, structure, formula, InChIKey, parent, CAS
        numbers) only, read in two queries however many there are; ``full=True`` loads
        everything (notes, descriptors, synonyms) of each. Retired and merged compounds are
        left out unless ``include_retired=True``.
        """
        with self.store.read() as connection:
            summaries = self.store.summaries(
                connection, limit=limit, offset=offset, include_retired=include_retired
            )
            if not full:
                return CompoundList(summaries)
            ids = [parse_registry_id(c.registry_id) or 0 for c in summaries]
            return CompoundList(self.store.load_many(connection, ids))

    def edit(self, query: str, **changes: Unpack[EditChanges]) -> Edited:
        """Change the compound ``query`` names: ``name``, ``add_cas`` (CasEntry or a parent
        number), ``remove_cas``, ``set_role`` ({number: role}), ``add_synonyms``,
        ``remove_synonyms``, ``add_identifiers`` ((kind, value) pairs or Identifier),
        ``remove_identifiers``, ``source`` (of what is added).

        All or nothing, in one transaction, with one audit row holding each field before and
        after (none when nothing changed). See :func:`registry.service.edits.edit` for what is
        refused; a merged record's query edits the record it was merged into.

        >>> from registry import Registry
        >>> with Registry.open("sqlite://", seed=False, author="doc") as reg:
        ...     _ = reg.add("CC(=O)Oc1ccccc1C(=O)O", name="asprin")
        ...     done = reg.edit("asprin", name="aspirin", add_cas=["50-78-2"])
        >>> done.action, [c["field"] for c in done.changes], done.compound.name
        ('edit', ['name', 'cas'], 'aspirin')
        """
        spec = edit_case.make_edit(**changes)
        return edit_case.edit(self.store, self.settings.author, query, spec)

    def retire(self, query: str, reason: str) -> Edited:
        """Retire a compound: it stays readable and keeps its numbers, which never name
        another compound; it is left out of ``list_compounds`` and cannot be edited."""
        return edit_case.retire(self.store, self.settings.author, query, reason)

    def restore(self, query: str) -> Edited:
        """Bring a retired compound back into use (not a merged one)."""
        return edit_case.restore(self.store, self.settings.author, query)

    def merge(self, query: str, into: str, *, reason: str = "") -> Edited:
        """Merge a duplicate into the record to keep (see :mod:`registry.service.merging`):
        identifiers, CAS numbers, synonyms, notes and sourced properties move to ``into``, and
        the duplicate's queries redirect there. Returns the kept record."""
        return merge_case.merge(self.store, self.settings.author, query, into, reason=reason)

    def history(
        self,
        limit: int = 100,
        *,
        query: str | None = None,
        since: str | date | datetime | None = None,
        author: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """The latest audit entries, newest first: of the whole registry, or of the record
        ``query`` names (with the records merged into it); from ``since`` (a date or ISO
        time, UTC unless it says), by ``author``, of ``action``."""
        return history_case.history(
            self.store, query=query, since=since, author=author, action=action, limit=limit
        )


def redirected(compound: Compound, redirected_from: int | None) -> Compound:
    """``compound`` saying which merged record the query named (when it was redirected)."""
    if redirected_from is None:
        return compound
    return replace(compound, redirected_from=format_registry_id(redirected_from))


def marked(store: Store, hits: SearchResults) -> SearchResults:
    """Search hits with retired and merged records marked in ``matched``:
    ``name: aspirin [retired]``, ``similar [merged into REG-000007]``."""
    if not hits:
        return hits
    with store.read() as connection:
        found = store_edits.statuses(connection, [_number(h) for h in hits])
    if not found:
        return hits
    shown = [_mark(h, found.get(_number(h))) for h in hits]
    if isinstance(hits, CountedResults):
        return CountedResults(shown, hits.total)
    return SearchResults(shown)


def marked_many(store: Store, results: Sequence[SearchResults]) -> list[SearchResults]:
    """:func:`marked` for each probe's hits."""
    return [marked(store, hits) for hits in results]


def _number(hit: SearchHit) -> int:
    return int(hit.registry_id.removeprefix("REG-"))


def _mark(hit: SearchHit, status: str | None) -> SearchHit:
    return hit if status is None else replace(hit, matched=f"{hit.matched} [{status}]")
