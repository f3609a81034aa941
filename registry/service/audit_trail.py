"""Reading the audit trail: the whole registry's or one record's, filtered by date and author.

Every change writes an audit row (``at``, ``author``, ``action``, the compound, ``detail``); see
:mod:`registry.service.changes` for the shape of an edit's detail. One record's history holds
its own rows and those of the records merged into it (each row names its compound); a merged
record's registry id gives its own rows, up to and including the merge.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from registry.errors import ValidationError
from registry.models import AuditEntry
from registry.service.resolve import find_target
from registry.store.matching import parse_registry_id

if TYPE_CHECKING:
    from registry.store import Store

__all__ = ["history", "moment"]


def moment(since: str | date | datetime) -> datetime:
    """``since`` as an aware UTC datetime; a date is its midnight in UTC, a time without a zone
    is taken as UTC.

    >>> moment("2026-12-01")
    datetime.datetime(2026, 12, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> moment("2026-12-01T10:30+02:00").isoformat()
    '2026-12-01T08:30:00+00:00'
    >>> moment("last week")
    Traceback (most recent call last):
    ...
    registry.errors.ValidationError: since='last week': not a date; give YYYY-MM-DD or an ISO 8601 time (2026-12-01T10:30)
    """  # noqa: E501
    if isinstance(since, str):
        try:
            since = datetime.fromisoformat(since.strip())
        except ValueError as error:
            raise ValidationError(
                f"since={since!r}: not a date; give YYYY-MM-DD or an ISO 8601 time "
                "(2026-12-01T10:30)"
            ) from error
    if not isinstance(since, datetime):
        since = datetime.combine(since, time())
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since.astimezone(UTC)


def history(
    store: Store,
    *,
    query: str | None = None,
    since: str | date | datetime | None = None,
    author: str | None = None,
    action: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The latest audit entries, newest first: at most ``limit``, optionally of the record
    ``query`` names, from ``since`` on, by ``author``, of ``action`` (exact names).

    Raises ValidationError for a ``limit`` below 1 or a ``since`` that is not a date; NotFound
    and Ambiguous for a ``query`` as :meth:`Registry.get`.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"limit={limit!r}: give a whole number of entries, 1 or more")
    start = moment(since) if since is not None else None
    with store.read() as connection:
        ids: list[int] | None = None
        if query is not None:
            target = find_target(store, connection, query)
            if target.only_merged is not None:
                ids = [target.only_merged]
            else:
                merged = store.load(connection, target.id).merged_from
                ids = [target.id, *(parse_registry_id(m) or 0 for m in merged)]
        return store.history(
            connection, limit, compound_ids=ids, since=start, author=author, action=action
        )
