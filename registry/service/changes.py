"""The audit trail's description of a change: ``{"field": ..., "before": ..., "after": ...}``.

Every edit, retirement, merge and link writes one audit row per compound it changed, whose
``detail`` is one such object, or a list of them when several fields changed, as JSON with
sorted keys. ``before`` is None for something added and ``after`` None for something removed.
A CAS number is written as :func:`registry.models.joined_cas` writes it (``50-78-2 (parent)``);
any other identifier or a synonym by its value, with its kind as the field.

>>> detail([change("name", "asprin", "aspirin")])
'{"after": "aspirin", "before": "asprin", "field": "name"}'
>>> identifier_change("cas", "50-78-2", "parent", added=True)
{'field': 'cas', 'before': None, 'after': '50-78-2 (parent)'}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from registry.models import CasEntry, joined_cas

__all__ = ["Change", "change", "detail", "identifier_change", "identifier_text", "verb"]

#: One changed field: ``{"field": ..., "before": ..., "after": ...}``.
Change = dict[str, Any]


def change(field: str, before: Any, after: Any) -> Change:
    """One changed field."""
    return {"field": field, "before": before, "after": after}


def identifier_text(kind: str, value: str, role: str | None) -> str:
    """How the trail writes an identifier: a CAS number with its role, else the value.

    >>> identifier_text("cas", "50-78-2", "salt"), identifier_text("unii", "R16CO5Y76E", None)
    ('50-78-2 (salt)', 'R16CO5Y76E')
    """
    if kind == "cas":
        return joined_cas([CasEntry(value, role or "unknown")])
    return value


def identifier_change(kind: str, value: str, role: str | None, *, added: bool) -> Change:
    """An identifier (or synonym) added to a compound, or removed from it."""
    text = identifier_text(kind, value, role)
    return change(kind, None, text) if added else change(kind, text, None)


def detail(changes: Sequence[Change]) -> str:
    """The audit row's ``detail``: the one change, or the list of them, as sorted JSON."""
    value: Any = changes[0] if len(changes) == 1 else list(changes)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def verb(actions: Iterable[str]) -> str:
    """The audit action of an edit: its one kind of change (``add-cas``...), else ``edit``.

    >>> verb(["add-cas", "add-cas"]), verb(["add-cas", "rename"])
    ('add-cas', 'edit')
    """
    kinds = set(actions)
    return kinds.pop() if len(kinds) == 1 else "edit"
