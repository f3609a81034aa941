"""Engines and database errors: SQLite settings, PostgreSQL driver, error translation, masking.

Every sqlite3/psycopg/SQLAlchemy error that leaves :mod:`registry.store` passes through
:func:`translate_error`, and every message or URL it prints through :func:`mask_secrets` or
:func:`mask_url`, so no password is ever shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, make_url

from registry.errors import DuplicateCompound, StoreError

__all__ = [
    "BUSY_TIMEOUT_S",
    "Conflict",
    "in_memory",
    "make_engine",
    "mask_secrets",
    "mask_url",
    "translate_error",
]

#: How long a SQLite connection waits for another writer's lock before giving up.
BUSY_TIMEOUT_S = 30.0
# PostgreSQL's serialization failure and deadlock: the transaction can simply run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_PASSWORD_IN_TEXT = re.compile(r"((?:password|passwd)\s*=\s*)('[^']*'|[^&\s]+)", re.IGNORECASE)
_PASSWORD_IN_URL = re.compile(r"(://[^:/?#@\s]*:)([^@/\s]*)(@)")


class Conflict(DuplicateCompound):
    """A uniqueness constraint fired because another writer got there first; retry the work."""


def translate_error(error: Exception) -> Exception:
    """A registry error for a database error (the caller raises it ``from`` the original).

    A uniqueness violation, a PostgreSQL serialization failure or deadlock become
    :class:`Conflict` (the work may simply run again); anything else a
    :class:`~registry.errors.StoreError` with the driver's first line, passwords masked.
    """
    if isinstance(error, sa_exc.IntegrityError):
        return Conflict(f"another record already holds this value ({_first_line(error)})")
    if getattr(getattr(error, "orig", None), "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return Conflict(f"a concurrent transaction conflicted; retry ({_first_line(error)})")
    if isinstance(error, sa_exc.OperationalError) and "locked" in str(error).lower():
        return StoreError(
            f"the registry database is locked by another writer: {_first_line(error)}"
        )
    return StoreError(f"registry database error: {_first_line(error)}")


def _first_line(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    line = str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
    return mask_secrets(line)


def mask_secrets(message: str) -> str:
    """``message`` with passwords (in URLs or ``password=`` pairs) replaced by ``***``.

    >>> mask_secrets("postgresql://reg:s3cret@db/x password=abc")
    'postgresql://reg:***@db/x password=***'
    """
    message = _PASSWORD_IN_URL.sub(r"\1***\3", message)
    return _PASSWORD_IN_TEXT.sub(r"\1***", message)


def mask_url(url: str) -> str:
    """A database URL fit to print: the password (in the authority or the query) hidden.

    >>> mask_url("postgresql+psycopg://reg:s3cret@db.example/registry?password=x&sslmode=require")
    'postgresql+psycopg://reg:***@db.example/registry?password=***&sslmode=require'
    >>> mask_url("sqlite:///tmp/r.sqlite")
    'sqlite:///tmp/r.sqlite'
    """
    try:
        rendered = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: mask it as text
        rendered = url
    return mask_secrets(rendered)


def in_memory(url: str) -> bool:
    """Whether ``url`` names a SQLite database that lives only as long as its connection.

    That is no file (``sqlite://``, ``sqlite:///``), ``:memory:``, a URI filename
    ``file::memory:``, empty or with ``mode=memory``. A URL SQLAlchemy cannot read is not.

    >>> [in_memory(u) for u in ("sqlite://", "sqlite:///:memory:", "sqlite:///r.sqlite")]
    [True, True, False]
    """
    try:
        parsed = make_url(url)
    except Exception:  # not a URL: open_store reports it
        return False
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    if database.startswith("file:"):
        path = database.removeprefix("file:").partition("?")[0]
        return path in ("", ":memory:") or parsed.query.get("mode") == "memory"
    return database in ("", ":memory:")


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; transactions are begun explicitly in _on_sqlite_begin so
    # that write transactions can take the write lock first (BEGIN IMMEDIATE). A deferred
    # transaction that reads and then writes fails at once with SQLITE_BUSY in WAL mode when
    # another writer committed in between; an immediate one waits for the busy timeout instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("registry_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``.

    SQLite: the file's directory is created, WAL mode, a busy timeout, foreign keys on, and a
    connection opened with the execution option ``registry_write=True`` begins its
    transactions with ``BEGIN IMMEDIATE`` (the write lock up front). PostgreSQL: psycopg 3
    for a plain ``postgresql://`` URL, connections checked before use.

    Raises what SQLAlchemy raises for a URL it cannot use (ArgumentError, NoSuchModuleError,
    ValueError) and ImportError for a missing driver; :func:`registry.store.open_store`
    explains them.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    return create_engine(parsed, pool_pre_ping=True)
