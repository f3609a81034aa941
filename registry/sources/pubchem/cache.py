"""The PubChem response cache: every answer (found and "not found" alike), dated, in SQLite.

A repeated request makes no network call, an answer can be reproduced later, and offline mode
answers from here alone. The file is ``Settings.cache_dir / CACHE_FILE``, in WAL mode, shared by
threads and processes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.config import Settings
from registry.errors import PubChemError

__all__ = ["CACHE_FILE", "CacheInfo", "Response", "ResponseCache", "cache_clear", "cache_info"]

CACHE_FILE = "pubchem-cache.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT,
    status INTEGER NOT NULL,
    content BLOB NOT NULL,
    fetched TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Response:
    """One PubChem answer: status 200 or 404, body, when it was fetched, whether from cache."""

    status: int
    body: bytes
    fetched: str
    from_cache: bool = False

    def json(self) -> Any:
        """The body decoded (JSON of any shape); PubChemError when it is not valid JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise PubChemError(f"PubChem sent a malformed JSON answer: {error}") from error


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """Where the cache is, how many answers it holds, its size on disk and their dates."""

    path: Path
    entries: int
    size_bytes: int
    oldest: str | None
    newest: str | None


def cache_path(settings: Settings) -> Path:
    """The cache file for these settings."""
    return settings.cache_dir / CACHE_FILE


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(_SCHEMA)
    return connection


class ResponseCache:
    """Answers by request key; one connection, opened on first use, shared under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            try:
                self._connection = _connect(self.path)
            except sqlite3.Error as error:
                raise PubChemError(f"cannot open the PubChem cache {self.path}: {error}") from error
        return self._connection

    def get(self, key: str) -> Response | None:
        """The cached answer for ``key`` (``from_cache=True``), or None."""
        with self._lock:
            try:
                row = (
                    self._db()
                    .execute("SELECT status, content, fetched FROM responses WHERE key = ?", (key,))
                    .fetchone()
                )
            except sqlite3.Error as error:
                raise PubChemError(f"PubChem cache {self.path} unreadable: {error}") from error
        if row is None:
            return None
        return Response(int(row[0]), bytes(row[1]), str(row[2]), from_cache=True)

    def put(self, key: str, method: str, url: str, body: str | None, response: Response) -> None:
        """Keep an answer under ``key``, with the request that produced it."""
        with self._lock:
            try:
                self._db().execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, method, url, body, response.status, response.body, response.fetched),
                )
            except sqlite3.Error as error:
                raise PubChemError(
                    f"cannot write the PubChem cache {self.path}: {error}"
                ) from error


def cache_info(settings: Settings) -> CacheInfo:
    """Where the response cache is, how many answers it holds and from when."""
    path = cache_path(settings)
    if not path.exists():
        return CacheInfo(path, 0, 0, None, None)
    try:
        connection = _connect(path)
        try:
            # Answers only: the parts kept of batched answers (method PART) are not counted.
            count, oldest, newest = connection.execute(
                "SELECT count(*), min(fetched), max(fetched) FROM responses WHERE method != 'PART'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PubChemError(f"PubChem cache {path} unreadable: {error}") from error
    size = sum(p.stat().st_size for p in path.parent.glob(CACHE_FILE + "*") if p.is_file())
    return CacheInfo(path, int(count), size, oldest, newest)


def cache_clear(settings: Settings) -> int:
    """Delete every cached answer; returns how many there were."""
    path = cache_path(settings)
    if not path.exists():
        return 0
    try:
        connection = _connect(path)
        try:
            (count,) = connection.execute(
                "SELECT count(*) FROM responses WHERE method != 'PART'"
            ).fetchone()
            connection.execute("DELETE FROM responses")
            connection.execute("VACUUM")
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PubChemError(f"cannot clear the PubChem cache {path}: {error}") from error
    return int(count)
