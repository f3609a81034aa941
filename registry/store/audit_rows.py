"""The audit trail read back: the registry's latest entries (filtered) and one record's trail.

Every function takes an open connection and only reads; rows are written by
:func:`registry.store.writes.log`. Timestamps are stored in UTC and read back as ISO 8601 text
(:func:`iso`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from registry.models import AuditEntry
from registry.store.matching import format_registry_id
from registry.store.schema import audit

__all__ = ["history", "iso", "trail"]


def iso(value: datetime | None) -> str:
    """A stored timestamp as ISO 8601 text in UTC, to the second ("" for none)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite keeps no zone; everything is stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def history(
    connection: Connection,
    limit: int = 100,
    *,
    compound_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    author: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The most recent audit entries, newest first, optionally only those of ``compound_ids``,
    at or after ``since`` (an aware datetime), by ``author`` or with ``action`` (exact text)."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if compound_ids is not None:
        query = query.where(audit.c.compound_id.in_(list(compound_ids)))
    if since is not None:
        query = query.where(audit.c.at >= since)
    if author is not None:
        query = query.where(audit.c.author == author)
    if action is not None:
        query = query.where(audit.c.action == action)
    return [
        AuditEntry(
            iso(a.at),
            a.author,
            a.action,
            format_registry_id(a.compound_id) if a.compound_id is not None else "",
            a.detail,
        )
        for a in connection.execute(query)
    ]


def trail(connection: Connection, compound_id: int) -> tuple[AuditEntry, ...]:
    """Every audit entry of one compound, oldest first."""
    rows = connection.execute(
        select(audit).where(audit.c.compound_id == compound_id).order_by(audit.c.id)
    )
    registry_id = format_registry_id(compound_id)
    return tuple(AuditEntry(iso(a.at), a.author, a.action, registry_id, a.detail) for a in rows)
