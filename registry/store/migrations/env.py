"""Alembic environment: migrations run on the connection ``registry.store`` hands over.

``Store.upgrade`` opens a write transaction (on SQLite ``BEGIN IMMEDIATE``, on PostgreSQL an
advisory lock) and puts its connection in ``config.attributes["connection"]``, so concurrent
processes opening a new database migrate it once. Run standalone (``alembic -x url=...``), it
connects to the given URL itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from registry.store.cartridge import include_object
from registry.store.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path/to/registry.sqlite")
    engine = create_engine(url)
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=metadata, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


run()
