"""The only code that speaks SQL: schema, queries and writes, the probe, the cartridge.

The package imports SQLAlchemy only when one of the names below is first used, so the
standard-library probe (:mod:`registry.store.probe`) stays cheap for the lookup chain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.store.database import (
        SCHEMA_REVISION,
        CompoundRow,
        Conflict,
        Store,
        format_registry_id,
        key,
        open_store,
        parse_registry_id,
    )

__all__ = [
    "SCHEMA_REVISION",
    "CompoundRow",
    "Conflict",
    "Store",
    "format_registry_id",
    "key",
    "open_store",
    "parse_registry_id",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'registry.store' has no attribute {name!r}")
    value = getattr(importlib.import_module("registry.store.database"), name)
    globals()[name] = value
    return value
