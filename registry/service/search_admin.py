"""``registry db index`` and the index lines of ``registry db info``.

Opens the registry at a URL and asks :mod:`registry.service.search_index` to build or describe
its structure search index.
"""

from __future__ import annotations

from typing import Any

from registry.config import Settings
from registry.progress import ProgressOption
from registry.service import search_index
from registry.store import open_store

__all__ = ["index_database", "index_info"]


def index_database(
    url: str | None = None,
    *,
    settings: Settings | None = None,
    rebuild: bool = False,
    workers: int | None = None,
    progress: ProgressOption = None,
) -> dict[str, Any]:
    """Bring the search index of the SQLite registry at ``url`` up to date; its status.

    ``rebuild`` deletes it first and builds it from the database; ``progress`` hears each
    part's progress (see :func:`registry.service.search_index.current`). Raises StoreError for
    a registry without an index (PostgreSQL, in memory).
    """
    settings = settings or Settings.from_env()
    store = open_store(url or settings.db_url, persistent=True)
    try:
        return search_index.build(store, rebuild=rebuild, workers=workers, progress=progress)
    finally:
        store.close()


def index_info(url: str | None = None, *, settings: Settings | None = None) -> dict[str, Any]:
    """Where the search index is and whether each part is current (see ``status``)."""
    settings = settings or Settings.from_env()
    store = open_store(url or settings.db_url)
    try:
        return search_index.status(store)
    finally:
        store.close()
