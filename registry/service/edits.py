"""Editing a registered compound: rename, CAS numbers and roles, synonyms, identifiers; retiring.

:func:`edit` applies an :class:`Edit` in one write transaction: every change is checked and
applied there, and any refusal rolls the whole edit back, so an edit happens whole or not at
all. The transaction reads the record after taking the write lock (SQLite's ``BEGIN
IMMEDIATE``, PostgreSQL's advisory lock), so two processes editing one record run one after
the other, the second seeing the first's changes: neither change is lost and each writes its
own audit row.

Each edit that changes something writes one audit row (see :mod:`registry.service.changes`):
the action is the one kind of change it made (``rename``, ``add-cas``, ``remove-cas``,
``set-role``, ``add-synonym``, ``remove-synonym``, ``add-id``, ``remove-id``) or ``edit`` for
several, and the detail lists each field with its value before and after. An edit that
changes nothing (a CAS number the record has with that role already, the name it has) writes
no row.

A retired record (:func:`retire`) stays readable and keeps its structure and identifiers, so
they never name another compound; it cannot be edited until :func:`restore` brings it back.
A merged record (:mod:`registry.service.merging`) redirects: editing it edits the record it was
merged into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from registry import cas as cas_numbers
from registry import records
from registry.errors import DuplicateCompound, ValidationError
from registry.identifiers import INCHIKEY
from registry.models import CAS_ROLES, IDENTIFIER_KINDS, CasEntry, Compound, Identifier
from registry.service.changes import Change, change, detail, identifier_change, verb
from registry.service.checks import check_text
from registry.service.conflicts import retrying
from registry.service.resolve import find_target
from registry.store import edits as rows
from registry.store import format_registry_id, key
from registry.store.writes import add_identifiers, family, now, update_compound

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "Edit",
    "EditChanges",
    "Edited",
    "edit",
    "make_edit",
    "restore",
    "retire",
    "state_text",
]

#: Identifier kinds ``add_identifiers`` takes (CAS numbers and synonyms have their own).
OTHER_KINDS = tuple(k for k in IDENTIFIER_KINDS if k not in ("cas", "synonym"))


@dataclass(frozen=True, slots=True)
class Edit:
    """What to change in a compound (built and checked by :func:`make_edit`)."""

    name: str | None = None
    add_cas: tuple[CasEntry, ...] = ()
    remove_cas: tuple[str, ...] = ()
    set_role: tuple[tuple[str, str], ...] = ()
    add_synonyms: tuple[str, ...] = ()
    remove_synonyms: tuple[str, ...] = ()
    add_identifiers: tuple[Identifier, ...] = ()
    remove_identifiers: tuple[tuple[str, str], ...] = ()
    source: str = "user"


class EditChanges(TypedDict, total=False):
    """The keyword arguments of :func:`make_edit` (and of ``Registry.edit``)."""

    name: str | None
    add_cas: Iterable[CasEntry | str]
    remove_cas: Iterable[str]
    set_role: Mapping[str, str] | Iterable[tuple[str, str]]
    add_synonyms: Iterable[str]
    remove_synonyms: Iterable[str]
    add_identifiers: Iterable[Identifier | tuple[str, str]]
    remove_identifiers: Iterable[Identifier | tuple[str, str]]
    source: str


@dataclass(frozen=True, slots=True)
class Edited:
    """The record after a change, the audit action written and what changed.

    ``changes`` is empty (and ``action`` "") when nothing needed changing: then no audit row
    was written.
    """

    compound: Compound
    action: str = ""
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def make_edit(
    *,
    name: str | None = None,
    add_cas: Iterable[CasEntry | str] = (),
    remove_cas: Iterable[str] = (),
    set_role: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    add_synonyms: Iterable[str] = (),
    remove_synonyms: Iterable[str] = (),
    add_identifiers: Iterable[Identifier | tuple[str, str]] = (),
    remove_identifiers: Iterable[Identifier | tuple[str, str]] = (),
    source: str = "user",
) -> Edit:
    """An :class:`Edit` with every value checked; nothing is read or written yet.

    CAS numbers must pass their check digit (a plain string in ``add_cas`` is a parent
    number), roles must be one of ``CAS_ROLES``, identifier kinds one of
    ``pubchem_cid``, ``inchikey``, ``unii``, ``chembl``, ``drugbank``. Raises ValidationError
    naming the parameter; a str where a sequence belongs is a TypeError.
    """
    for parameter, values in (
        ("add_cas", add_cas),
        ("remove_cas", remove_cas),
        ("add_synonyms", add_synonyms),
        ("remove_synonyms", remove_synonyms),
        ("add_identifiers", add_identifiers),
        ("remove_identifiers", remove_identifiers),
    ):
        if isinstance(values, str | bytes):
            raise TypeError(f"{parameter} must be a sequence of values, not a single text")
    source = records.check_one_line(source, "source") or "user"
    check_text(source)
    new_name = None
    if name is not None:
        check_text(name)
        new_name = records.check_one_line(name, "name")
        if not new_name:
            raise ValidationError("name is empty: give the new name")
    pairs = set_role.items() if isinstance(set_role, Mapping) else set_role
    return Edit(
        name=new_name,
        add_cas=tuple(_cas_entry(e, source) for e in add_cas),
        remove_cas=tuple(_cas_number(n, "remove_cas") for n in remove_cas),
        set_role=tuple((_cas_number(n, "set_role"), _role(r, f"set_role={n}:")) for n, r in pairs),
        add_synonyms=tuple(_synonym(s, "add_synonyms") for s in add_synonyms),
        remove_synonyms=tuple(_synonym(s, "remove_synonyms") for s in remove_synonyms),
        add_identifiers=tuple(
            Identifier(*_identifier(i, "add_identifiers"), source) for i in add_identifiers
        ),
        remove_identifiers=tuple(_identifier(i, "remove_identifiers") for i in remove_identifiers),
        source=source,
    )


def _cas_number(number: str, parameter: str) -> str:
    try:
        return cas_numbers.validate(number)
    except ValidationError as error:
        raise ValidationError(f"{parameter}={number}: {error}") from error


def _role(role: str, where: str) -> str:
    if role not in CAS_ROLES:
        raise ValidationError(f"{where} CAS role {role!r} is not one of {', '.join(CAS_ROLES)}")
    return role


def _cas_entry(entry: CasEntry | str, source: str) -> CasEntry:
    item = CasEntry(entry, "parent") if isinstance(entry, str) else entry
    check_text(item.form, item.source)
    return CasEntry(
        _cas_number(item.number, "add_cas"),
        _role(item.role, f"add_cas={item.number}:"),
        records.check_one_line(item.form, "salt form"),
        records.check_one_line(item.source, "source") or source,
    )


def _synonym(value: str, parameter: str) -> str:
    check_text(value)
    text = records.check_one_line(value, "synonym")
    if not text:
        raise ValidationError("a synonym is empty: give its text")
    return text


def _identifier(item: Identifier | tuple[str, str], parameter: str) -> tuple[str, str]:
    kind, value = (item.kind, item.value) if isinstance(item, Identifier) else item
    check_text(kind, value)
    if kind not in OTHER_KINDS:
        hint = {"cas": " (CAS numbers: add_cas=, remove_cas=)", "synonym": " (add_synonyms=)"}
        raise ValidationError(
            f"{parameter}={kind}:{value}: identifier kind {kind!r} is not one of "
            f"{', '.join(OTHER_KINDS)}{hint.get(kind, '')}"
        )
    text = records.check_one_line(value, kind)
    if kind == "inchikey":
        text = text.upper()
    if kind == "inchikey" and not INCHIKEY.fullmatch(text):
        raise ValidationError(f"{parameter}={kind}:{value}: not an InChIKey (27 characters)")
    if kind == "pubchem_cid" and not (text.isascii() and text.isdigit() and text != "0"):
        raise ValidationError(f"{parameter}={kind}:{value}: a PubChem CID is a whole number")
    if not text:
        raise ValidationError(f"{parameter}={kind}: the value is empty")
    return kind, text


def state_text(state: rows.State) -> str:
    """``REG-000001 (aspirin)``, with ``retired`` or where it was merged when it is."""
    status = ""
    if state.merged_into is not None:
        status = f", merged into {format_registry_id(state.merged_into)}"
    elif state.retired_at is not None:
        status = ", retired"
    return f"{state.registry_id} ({state.name}{status})"


def edit(store: Store, author: str, query: str, spec: Edit) -> Edited:
    """Apply ``spec`` to the compound ``query`` names, in one transaction.

    Raises:
        NotFound, Ambiguous: ``query`` names no compound, or several.
        ValidationError: the record is retired; a number, synonym or identifier to remove or
            re-role is not on it; a CAS number to add is on it with another role; the new
            name is another compound's name.
        DuplicateCompound: a number or identifier to add identifies another compound
            (retired ones included); the message names it.
    """

    def work() -> Edited:
        with store.write() as connection:
            compound_id = find_target(store, connection, query).id
            current = rows.state(connection, compound_id)
            if current.retired_at is not None:
                raise ValidationError(
                    f"{current.registry_id} ({current.name}) is retired "
                    f"({current.retired_reason}); restore it before editing it"
                )
            done = _Changes(connection, current, spec.source)
            if spec.name is not None:
                done.rename(spec.name)
            for number in spec.remove_cas:
                done.remove("cas", number, "remove_cas", "remove-cas")
            for number, role in spec.set_role:
                done.set_role(number, role)
            for entry in spec.add_cas:
                done.add_cas(entry)
            for synonym in spec.remove_synonyms:
                done.remove("synonym", synonym, "remove_synonyms", "remove-synonym")
            for synonym in spec.add_synonyms:
                done.add("synonym", synonym, None, "", spec.source, "add-synonym")
            for kind, value in spec.remove_identifiers:
                done.remove(kind, value, "remove_identifiers", "remove-id")
            for identifier in spec.add_identifiers:
                done.add(identifier.kind, identifier.value, None, "", spec.source, "add-id")
            return done.finish(store, author)

    return retrying(work)


class _Changes:
    """The changes of one edit, applied one by one on the transaction's connection."""

    def __init__(self, connection: Connection, current: rows.State, source: str) -> None:
        self.connection = connection
        self.current = current
        self.source = source
        self.changes: list[Change] = []
        self.actions: list[str] = []

    def _row(self, kind: str, value: str) -> rows.IdentifierRow | None:
        wanted = key(value)
        found = rows.identifier_rows(self.connection, self.current.id)
        return next((r for r in found if r.kind == kind and r.value_key == wanted), None)

    def _done(self, action: str, what: Change) -> None:
        self.actions.append(action)
        self.changes.append(what)

    def rename(self, name: str) -> None:
        if name == self.current.name:
            return
        clash = rows.named(self.connection, name, but=self.current.id)
        if clash:
            raise ValidationError(
                f"{name!r} is the name of {state_text(clash[0])}: two records with one name "
                "could not be told apart; give it as a synonym instead"
            )
        update_compound(self.connection, self.current.id, name=name)
        self._done("rename", change("name", self.current.name, name))

    def remove(self, kind: str, value: str, parameter: str, action: str) -> None:
        row = self._row(kind, value)
        if row is None:
            what = "CAS number" if kind == "cas" else kind
            raise ValidationError(
                f"{parameter}={value}: {state_text(self.current)} has no {what} {value!r}"
            )
        rows.delete_identifier(self.connection, row.id)
        self._done(action, identifier_change(kind, row.value, row.role, added=False))

    def set_role(self, number: str, role: str) -> None:
        row = self._row("cas", number)
        if row is None:
            raise ValidationError(
                f"set_role={number}:{role}: {state_text(self.current)} has no CAS number "
                f"{number}; add it with add_cas="
            )
        if row.role == role:
            return
        exclusive = role != "unknown" and self._identifies("cas", number)
        rows.set_role(self.connection, row.id, role, exclusive)
        before = identifier_change("cas", number, row.role, added=False)["before"]
        after = identifier_change("cas", number, role, added=True)["after"]
        self._done("set-role", change("cas", before, after))

    def add_cas(self, entry: CasEntry) -> None:
        row = self._row("cas", entry.number)
        if row is not None and row.role != entry.role:
            raise ValidationError(
                f"add_cas={entry.number}: {state_text(self.current)} has it already with role "
                f"{row.role}; change that with set_role={entry.number}:{entry.role}"
            )
        self.add("cas", entry.number, entry.role, entry.form, entry.source, "add-cas")

    def add(
        self, kind: str, value: str, role: str | None, form: str, source: str, action: str
    ) -> None:
        if self._row(kind, value) is not None:
            return  # on the record already: nothing to change
        if kind == "synonym" and key(value) == key(self.current.name):
            return  # the record's own name
        if kind != "synonym" and role != "unknown":
            self._identifies(kind, value)  # refuses one that identifies another compound
        add_identifiers(self.connection, self.current.id, [(kind, value, role, form, source)])
        self._done(action, identifier_change(kind, value, role, added=True))

    def _identifies(self, kind: str, value: str) -> bool:
        """Whether ``(kind, value)`` can identify this compound: not if only its family holds
        it too (then all keep it, not identifying). DuplicateCompound when another holds it."""
        holders = rows.holders(self.connection, kind, value, but=self.current.id)
        if not holders:
            return True
        if {h.id for h in holders} <= family(self.connection, self.current.id):
            return False
        what = "CAS" if kind == "cas" else kind
        raise DuplicateCompound(f"{what} {value} already identifies {state_text(holders[0])}")

    def finish(self, store: Store, author: str) -> Edited:
        action = ""
        if self.changes:
            action = verb(self.actions)
            rows.touch(self.connection, self.current.id)
            store.log(self.connection, action, author, self.current.id, detail(self.changes))
        compound = store.load(self.connection, self.current.id)
        return Edited(compound, action, tuple(self.changes))


def retire(store: Store, author: str, query: str, reason: str) -> Edited:
    """Retire the compound ``query`` names, giving ``reason`` (one transaction).

    The record stays readable (``show`` says it is retired, with the reason), keeps its
    structure, CAS numbers and identifiers, and cannot be edited; ``list`` leaves it out
    unless asked. Retiring a retired record changes nothing.

    Raises ValidationError for an empty reason or a record that was merged (a merge retires
    it already); NotFound and Ambiguous as :meth:`Registry.get`.
    """
    check_text(reason)
    text = records.check_one_line(reason, "reason")
    if not text:
        raise ValidationError("reason= is empty: say why the record is retired")

    def work() -> Edited:
        with store.write() as connection:
            current = _unmerged(store, connection, query)
            if current.retired_at is not None:
                return Edited(store.load(connection, current.id))
            rows.set_retired(connection, current.id, now(), text)
            changes = (change("retired", None, text),)
            store.log(connection, "retire", author, current.id, detail(changes))
            return Edited(store.load(connection, current.id), "retire", changes)

    return retrying(work)


def restore(store: Store, author: str, query: str) -> Edited:
    """Bring a retired compound back into use (one transaction); an active one is unchanged.

    Raises ValidationError for a merged record (undo a merge by hand: its identifiers have
    moved).
    """

    def work() -> Edited:
        with store.write() as connection:
            current = _unmerged(store, connection, query)
            if current.retired_at is None:
                return Edited(store.load(connection, current.id))
            rows.set_retired(connection, current.id, None, None)
            changes = (change("retired", current.retired_reason, None),)
            store.log(connection, "restore", author, current.id, detail(changes))
            return Edited(store.load(connection, current.id), "restore", changes)

    return retrying(work)


def _unmerged(store: Store, connection: Connection, query: str) -> rows.State:
    """The state of the compound ``query`` names; ValidationError when it names a merged one."""
    target = find_target(store, connection, query)
    if target.only_merged is not None:
        merged = rows.state(connection, target.only_merged)
        raise ValidationError(
            f"{state_text(merged)} was merged into {format_registry_id(target.id)}; a merged "
            "record is retired already"
        )
    return rows.state(connection, target.id)
