"""A cheap, read-only probe of a SQLite registry database, with the standard library only.

The lookup chain asks the own registry first, and most lookups are of compounds the registry
does not hold. Opening the registry through :class:`registry.store.Store` imports SQLAlchemy,
which costs more than the rest of such a lookup, so the chain first asks this probe which
compounds, if any, a query names, and opens the full store only when the answer is not empty.

The probe runs the statements of :mod:`registry.store.matching` through :mod:`sqlite3`, the
very ones :func:`registry.store.matching.compound_ids` runs through SQLAlchemy, so both find
the same compounds. It never writes and never raises: when it cannot answer cheaply (a server
database, an unreadable file, a schema it does not know) it returns None and the caller uses
the full store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from registry.store.matching import (
    MATCH_KINDS,
    Statement,
    identifier_statement,
    key,
    run,
    statements,
)

__all__ = ["key", "probe_first", "probe_ids", "sqlite_path"]


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL, else None (server databases, memory, URI options).

    >>> sqlite_path("sqlite:////data/registry.sqlite")
    PosixPath('/data/registry.sqlite')
    >>> sqlite_path("postgresql+psycopg://db/registry") is None
    True
    """
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    database = url.removeprefix("sqlite:///")
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def _steps(kind: str, value: str) -> tuple[Statement, ...]:
    if kind in MATCH_KINDS:
        return statements(kind, value)  # narrowed to a MatchKind
    return (identifier_statement(kind, value),)


def probe_ids(url: str, kind: str, value: str) -> list[int] | None:
    """Ids of the compounds that ``value`` finds as ``kind``, read without SQLAlchemy.

    ``kind`` is a match kind of :mod:`registry.store.matching` (``cas``, ``pubchem_cid``,
    ``inchikey``, ``name``, ...); any other identifier kind finds the compounds that the
    identifier identifies. Returns [] when the database does not exist, None when the probe
    cannot tell.
    """
    found = probe_first(url, [[(kind, value)]])
    return None if found is None else found[0]


def probe_first(url: str, queries: Sequence[Sequence[tuple[str, str]]]) -> list[list[int]] | None:
    """For each query, the ids found by the first of its ``(kind, value)`` steps that finds any.

    The steps of each query are tried in order, as :func:`registry.store.matching.run` tries
    statements, all on one read-only connection (its first statement reads the schema, which
    costs more than all the look-ups after it). Returns [] for every query when the database
    does not exist, None when the probe cannot tell.
    """
    path = sqlite_path(url)
    if path is None:
        return None
    if not path.exists():
        return [[] for _ in queries]
    try:
        # Read-only, but not immutable: another process may be writing (WAL readers see the
        # last committed state).
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return [
            run([s for kind, value in steps for s in _steps(kind, value)], connection.execute)
            for steps in queries
        ]
    except sqlite3.Error:
        return None  # no such table yet, another schema, locked: let the store answer
    finally:
        connection.close()
