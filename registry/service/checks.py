"""Checks on what a caller hands the registry, made before anything is written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from registry import cas as cas_numbers
from registry.errors import ValidationError
from registry.frames import is_missing
from registry.models import CAS_ROLES, IDENTIFIER_KINDS, CasEntry

__all__ = ["cas_entries", "check_kind", "check_text"]


def check_text(*values: str) -> None:
    """Refuse text that some backend cannot store: NUL characters and lone surrogates.

    PostgreSQL text cannot hold NUL, and no database holds lone surrogates (they are not
    Unicode text at all); both are refused on every backend alike.

    >>> check_text("aspirin", "Ω")
    >>> check_text("a\\x00b")
    Traceback (most recent call last):
    ...
    registry.errors.ValidationError: text contains a NUL character: 'a\\x00b'
    """
    for value in values:
        if "\x00" in value:
            raise ValidationError(f"text contains a NUL character: {value[:40]!r}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValidationError(
                f"text is not valid Unicode (lone surrogate): {value[:40]!r}"
            ) from error


def check_kind(kind: str) -> None:
    """Refuse an identifier kind the registry does not know (see ``IDENTIFIER_KINDS``)."""
    if kind not in IDENTIFIER_KINDS:
        raise ValidationError(
            f"identifier kind {kind!r} is not one of {', '.join(IDENTIFIER_KINDS)}"
        )


def cas_entries(entries: Iterable[CasEntry | str], source: str) -> list[CasEntry]:
    """CAS entries with canonical numbers; a plain string is a parent CAS number.

    An entry without a source gets ``source``. A missing number (None, NaN, pandas' NA, blank
    text: an empty cell of a frame) is no entry, rather than the text ``nan``. Raises
    ValidationError for a number that fails its check or a role that is not one of
    ``CAS_ROLES``.

    >>> [(e.number, e.role, e.source) for e in cas_entries(["50 78 2", float("nan")], "user")]
    [('50-78-2', 'parent', 'user')]
    """
    found = []
    for entry in entries:
        number = entry.number if isinstance(entry, CasEntry) else entry
        if is_missing(number) or (isinstance(number, str) and not number.strip()):
            continue
        item = CasEntry(entry, "parent", "", source) if isinstance(entry, str) else entry
        if item.role not in CAS_ROLES:
            raise ValidationError(f"CAS role {item.role!r} is not one of {', '.join(CAS_ROLES)}")
        found.append(
            replace(item, number=cas_numbers.validate(item.number), source=item.source or source)
        )
    return found
