"""Where compounds are looked up: the lookup chain and its sources."""

from __future__ import annotations

from registry.sources.chain import (
    RegistrySource,
    Source,
    choose,
    default_sources,
    describe,
    flags,
    lookup,
    lookup_many,
)

__all__ = [
    "RegistrySource",
    "Source",
    "choose",
    "default_sources",
    "describe",
    "flags",
    "lookup",
    "lookup_many",
]
