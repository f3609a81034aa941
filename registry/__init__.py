"""registry: a chemical compound registry with CAS Registry Number validation.

The public API is listed in ``__all__``. Names whose modules need heavy packages (RDKit, polars,
SQLAlchemy, pubchempy) are imported on first use, so ``import registry`` stays fast.

>>> import registry
>>> registry.cas.validate("101312-07-6")
'101312-07-6'
"""

from __future__ import annotations

import importlib
from typing import Any

from registry import cas, errors
from registry.cas import CasCheck, CasStatus
from registry.errors import (
    Ambiguous,
    DuplicateCompound,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    InvalidStructure,
    NotFound,
    PubChemError,
    PubChemUnavailable,
    RecordFileError,
    RegistryError,
    StoreError,
    ValidationError,
)

__version__ = "0.1.0"

# Public name -> module that defines it, imported when the name is first used.
_LAZY: dict[str, str] = {
    # structures and descriptors (RDKit): issue 4
    "Descriptor": "registry.models",
    "DescriptorRow": "registry.models",
    "Descriptors": "registry.models",
    "Identifiers": "registry.chem",
    "RuleCheck": "registry.models",
    "RuleCriterion": "registry.models",
    "Standardised": "registry.chem",
    # the compound registry (registry.service, registry.models)
    "Registry": "registry.service",
    "ImportReport": "registry.service",
    "Compound": "registry.models",
    "CasEntry": "registry.models",
    "Identifier": "registry.models",
    "Note": "registry.models",
    "Property": "registry.models",
    "SearchHit": "registry.models",
    "SearchResults": "registry.models",
    "CompoundList": "registry.models",
    "Resolved": "registry.service",
    "validate_many": "registry.bulk",
    "validate_csv": "registry.bulk_files",
    "Report": "registry.bulk_files",
    # shared registry on PostgreSQL, bulk import (issue 7)
    "StructureImportReport": "registry.structure_import",
    "import_structures": "registry.structure_import",
    "database_info": "registry.admin",
    "init_database": "registry.admin",
    "upgrade_database": "registry.admin",
    # lookup (issue 6)
    "Candidate": "registry.models",
    "CasNumber": "registry.models",
    "LookupResult": "registry.models",
    "Query": "registry.query",
    "QueryKind": "registry.query",
    "classify": "registry.query",
    "lookup": "registry.lookup",
    "lookup_many": "registry.lookup",
    "PubChemClient": "registry.pubchem",
    "ReferenceIndex": "registry.reference",
}

__all__ = [
    "Ambiguous",
    "CasCheck",
    "CasStatus",
    "DuplicateCompound",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "InvalidStructure",
    "NotFound",
    "PubChemError",
    "PubChemUnavailable",
    "RecordFileError",
    "RegistryError",
    "StoreError",
    "ValidationError",
    "__version__",
    "cas",
    "errors",
    *_LAZY,
]


# Submodules reachable as attributes after a bare ``import registry`` (``registry.chem.parse``).
_SUBMODULES = ("bulk", "chem", "descriptors", "pubchem", "reference", "service")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"registry.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'registry' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
