"""registry: a chemical compound registry with CAS Registry Number validation.

The public API is listed in ``__all__``. Names whose modules need heavy packages (RDKit, polars,
SQLAlchemy, pubchempy) are imported on first use, so ``import registry`` stays fast; type
checkers see them all through the imports under ``TYPE_CHECKING``.

>>> import registry
>>> registry.cas.validate("101312-07-6")
'101312-07-6'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry import cas, errors
from registry._lazy import served_from
from registry.cas import CasCheck, CasStatus
from registry.errors import (
    Ambiguous,
    DuplicateCompound,
    InputFileError,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    InvalidStructure,
    NotFound,
    PubChemError,
    PubChemUnavailable,
    RecordFileError,
    RegistryError,
    RelatedStructure,
    StoreError,
    ValidationError,
)

if TYPE_CHECKING:
    from registry import chem, descriptors
    from registry.bulk import CasResult, CasResults, Report, validate_csv, validate_many
    from registry.chem import Identifiers, Standardised
    from registry.descriptor_models import (
        Descriptor,
        DescriptorRow,
        DescriptorRows,
        Descriptors,
        RuleCheck,
        RuleCriterion,
    )
    from registry.identifiers import Query, QueryKind, classify
    from registry.models import (
        Candidate,
        CasEntry,
        CasNumber,
        Compound,
        CompoundList,
        Identifier,
        LookupResult,
        LookupResults,
        Note,
        Property,
        SearchHit,
        SearchResults,
    )
    from registry.property_models import (
        CompoundProperties,
        GhsClassification,
        HazardStatement,
        PropertyResults,
    )
    from registry.service import ImportReport, Registry, Resolved
    from registry.service.admin import database_info, init_database, upgrade_database
    from registry.service.crosscheck import validate_file
    from registry.service.lookups import lookup, lookup_many
    from registry.service.pubchem_properties import properties, properties_many
    from registry.service.structure_import import StructureImportReport, import_structures
    from registry.sources.pubchem import PubChemClient
    from registry.sources.reference import ReferenceIndex

__version__ = "0.1.0"

# Public name -> the module that defines it, imported when the name is first used.
_LAZY: dict[str, str] = {
    "chem": "registry.chem",
    "descriptors": "registry.descriptors",
    **dict.fromkeys(
        ("CasResult", "CasResults", "Report", "validate_csv", "validate_many"), "registry.bulk"
    ),
    "validate_file": "registry.service.crosscheck",
    **dict.fromkeys(("Identifiers", "Standardised"), "registry.chem"),
    **dict.fromkeys(("Query", "QueryKind", "classify"), "registry.identifiers"),
    **dict.fromkeys(
        (
            "Descriptor",
            "DescriptorRow",
            "DescriptorRows",
            "Descriptors",
            "RuleCheck",
            "RuleCriterion",
        ),
        "registry.descriptor_models",
    ),
    **dict.fromkeys(
        (
            "Candidate",
            "CasEntry",
            "CasNumber",
            "Compound",
            "CompoundList",
            "Identifier",
            "LookupResult",
            "LookupResults",
            "Note",
            "Property",
            "SearchHit",
            "SearchResults",
        ),
        "registry.models",
    ),
    **dict.fromkeys(("ImportReport", "Registry", "Resolved"), "registry.service"),
    **dict.fromkeys(
        ("database_info", "init_database", "upgrade_database"), "registry.service.admin"
    ),
    **dict.fromkeys(
        ("StructureImportReport", "import_structures"), "registry.service.structure_import"
    ),
    **dict.fromkeys(("lookup", "lookup_many"), "registry.service.lookups"),
    **dict.fromkeys(("properties", "properties_many"), "registry.service.pubchem_properties"),
    **dict.fromkeys(
        ("CompoundProperties", "GhsClassification", "HazardStatement", "PropertyResults"),
        "registry.property_models",
    ),
    "PubChemClient": "registry.sources.pubchem",
    "ReferenceIndex": "registry.sources.reference",
}

__all__ = [
    "Ambiguous",
    "Candidate",
    "CasCheck",
    "CasEntry",
    "CasNumber",
    "CasResult",
    "CasResults",
    "CasStatus",
    "Compound",
    "CompoundList",
    "CompoundProperties",
    "Descriptor",
    "DescriptorRow",
    "DescriptorRows",
    "Descriptors",
    "DuplicateCompound",
    "GhsClassification",
    "HazardStatement",
    "Identifier",
    "Identifiers",
    "ImportReport",
    "InputFileError",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "InvalidStructure",
    "LookupResult",
    "LookupResults",
    "NotFound",
    "Note",
    "Property",
    "PropertyResults",
    "PubChemClient",
    "PubChemError",
    "PubChemUnavailable",
    "Query",
    "QueryKind",
    "RecordFileError",
    "ReferenceIndex",
    "Registry",
    "RegistryError",
    "RelatedStructure",
    "Report",
    "Resolved",
    "RuleCheck",
    "RuleCriterion",
    "SearchHit",
    "SearchResults",
    "Standardised",
    "StoreError",
    "StructureImportReport",
    "ValidationError",
    "__version__",
    "cas",
    "chem",
    "classify",
    "database_info",
    "descriptors",
    "errors",
    "import_structures",
    "init_database",
    "lookup",
    "lookup_many",
    "properties",
    "properties_many",
    "upgrade_database",
    "validate_csv",
    "validate_file",
    "validate_many",
]


__getattr__ = served_from(__name__, _LAZY)
