"""The registry as a library: ``Registry`` and the use cases it offers."""

from __future__ import annotations

from registry.service.core import (
    ExportFormat,
    ImportReport,
    LookupResolver,
    Prepared,
    Registry,
    Resolved,
    Resolver,
    bundled_records_dir,
    prepare,
    prepare_many,
)

__all__ = [
    "ExportFormat",
    "ImportReport",
    "LookupResolver",
    "Prepared",
    "Registry",
    "Resolved",
    "Resolver",
    "bundled_records_dir",
    "prepare",
    "prepare_many",
]
