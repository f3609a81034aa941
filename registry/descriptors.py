"""Old import path of :mod:`registry.chem.descriptors`, kept for scripts that use it."""

from __future__ import annotations

from registry.chem.descriptors import (
    DEFAULT_PROFILE,
    MIN_PARALLEL,
    On,
    available_cpus,
    batch,
    default_values,
    full,
    profile,
    rule_checks,
)

__all__ = [
    "DEFAULT_PROFILE",
    "MIN_PARALLEL",
    "On",
    "available_cpus",
    "batch",
    "default_values",
    "full",
    "profile",
    "rule_checks",
]
