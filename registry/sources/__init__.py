"""Where compounds are looked up: the lookup chain and its sources."""

from __future__ import annotations

from registry.sources.chain import (
    Source,
    choose,
    default_sources,
    describe,
    flags,
    lookup,
    lookup_many,
)

__all__ = [
    "Source",
    "choose",
    "default_sources",
    "describe",
    "flags",
    "lookup",
    "lookup_many",
]
