"""Database administration: create, upgrade and describe a registry database (``registry db``).

Works the same on SQLite and PostgreSQL. Every URL this module returns has its password masked
(:func:`registry.store.mask_url`); credentials may come from the URL, from libpq's environment
(``PGPASSWORD``, ``PGUSER``, ``PGSERVICE``...) or from a service / password file
(``postgresql+psycopg:///?service=registry``), and are never echoed.
"""

from __future__ import annotations

from typing import Any

from registry.config import Settings
from registry.service.registry import Registry
from registry.store import open_store

__all__ = ["database_info", "init_database", "upgrade_database"]


def database_info(url: str | None = None, *, settings: Settings | None = None) -> dict[str, Any]:
    """Backend, server version, masked URL, schema revision, counts and the search engine.

    Opening the database brings it to the current schema first (as every command does).
    """
    settings = settings or Settings.from_env()
    store = open_store(url or settings.db_url)
    try:
        with store.read() as connection:
            return store.info(connection)
    finally:
        store.close()


def init_database(
    url: str | None = None, *, settings: Settings | None = None, seed: bool = True
) -> dict[str, Any]:
    """Create the registry schema (and the cartridge columns where available); then its info.

    A new database is seeded with the bundled compound records unless ``seed`` is False; an
    existing one is left as it is (only migrated), so running it twice is harmless.
    """
    settings = settings or Settings.from_env()
    with Registry.open(url, settings=settings, seed=seed, persistent=True) as registry:
        created = registry.store.created
        with registry.store.read() as connection:
            info = registry.store.info(connection)
    return {"created": created, **info}


def upgrade_database(url: str | None = None, *, settings: Settings | None = None) -> dict[str, Any]:
    """Migrate to the current schema and add the cartridge columns if the extension appeared.

    Returns the info after the upgrade with ``previous_revision`` added.
    """
    settings = settings or Settings.from_env()
    target = url or settings.db_url
    probe = open_store(target, upgrade=False)
    try:
        previous = probe.revision()
    finally:
        probe.close()
    store = open_store(target, persistent=True)
    try:
        store.enable_cartridge()
        with store.read() as connection:
            info = store.info(connection)
    finally:
        store.close()
    return {"previous_revision": previous, **info}
