"""Alembic migrations of the registry database (run by ``registry.store.open_store``)."""
