"""Reading the audit trail: the whole registry's or one record's, filtered by date, author,
action and count (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from store_support import db_url, registry, registry_settings  # noqa: F401  (fixtures)

from registry.errors import NotFound, ValidationError
from registry.service import Registry


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_history_filters(registry: Registry) -> None:
    ethanol = registry.add("CCO", name="ethanol")
    water = registry.add("O", name="water")
    rows = [
        ("2026-01-10T09:00:00", "alice", "edit", ethanol.registry_id),
        ("2026-02-01T12:00:00", "bob", "retire", ethanol.registry_id),
        ("2026-02-03T08:30:00", "alice", "edit", water.registry_id),
    ]
    with registry.store.write() as connection:
        registry.store.log_many(
            connection,
            [
                {
                    "at": _at(at),
                    "author": author,
                    "action": action,
                    "compound_id": int(rid.removeprefix("REG-")),
                    "detail": f"{author} {at}",
                }
                for at, author, action, rid in rows
            ],
        )

    def details(**filters: object) -> list[str]:
        entries = registry.history(**filters)  # type: ignore[arg-type]
        return [e.detail for e in entries if e.author != "tester"]

    assert details() == [
        "alice 2026-02-03T08:30:00",
        "bob 2026-02-01T12:00:00",
        "alice 2026-01-10T09:00:00",
    ]
    assert details(author="alice") == ["alice 2026-02-03T08:30:00", "alice 2026-01-10T09:00:00"]
    assert details(action="retire") == ["bob 2026-02-01T12:00:00"]
    assert details(query="ethanol") == ["bob 2026-02-01T12:00:00", "alice 2026-01-10T09:00:00"]
    assert details(query="ethanol", author="alice") == ["alice 2026-01-10T09:00:00"]
    # since: a date is its midnight in UTC; a time without a zone is UTC; with one, converted.
    assert registry.history(since="2026-02-01", author="bob")[0].at == "2026-02-01T12:00:00+00:00"
    assert details(since="2026-02-01T12:00:01", author="bob") == []
    assert details(since="2026-02-01T13:00:00+02:00", author="bob") == ["bob 2026-02-01T12:00:00"]
    assert details(since=date(2026, 2, 2), author="alice") == ["alice 2026-02-03T08:30:00"]
    assert details(since=datetime(2026, 1, 1, tzinfo=UTC), query="water", author="alice") == [
        "alice 2026-02-03T08:30:00"
    ]
    # limit counts the newest entries; the first positional argument is still the limit.
    newest = registry.history(2)
    assert [e.detail for e in newest] == [e.detail for e in registry.history()[:2]]
    assert [e.action for e in registry.history(limit=1, author="alice")] == ["edit"]
    with pytest.raises(ValidationError, match=r"since='yesterday': not a date"):
        registry.history(since="yesterday")
    with pytest.raises(ValidationError, match="limit=0"):
        registry.history(0)
    with pytest.raises(NotFound):
        registry.history(query="no such compound")
