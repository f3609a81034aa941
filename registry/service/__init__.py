"""The registry as a library: :class:`Registry` and the use cases it offers.

:class:`Registry` (:mod:`registry.service.registry`) is a thin facade; each use case is a
module of its own:

* :mod:`~registry.service.register`: one compound (:meth:`Registry.add`), lookup results;
* :mod:`~registry.service.register_many`: batches in one transaction, streamed from workers;
* :mod:`~registry.service.structure_import`: structure files in resumable batches;
* :mod:`~registry.service.resolve`: how a text finds a registered compound (the one matching
  rule), and what a name or CAS number resolves to (:class:`Resolved`);
* :mod:`~registry.service.search`, :mod:`~registry.service.notes`;
* :mod:`~registry.service.record_files`: record files in and out;
  :mod:`~registry.service.exports`: whole-registry tables;
* :mod:`~registry.service.lookups`: ``registry.lookup``, the chain with the registry first
  (:mod:`~registry.service.registry_source`), and :class:`LookupResolver`;
* :mod:`~registry.service.admin`: creating and upgrading databases.

The names below are imported on first use, so that ``registry.service.lookups`` (the lookup
command) does not load SQLAlchemy for a registry it never opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry._lazy import served_from

if TYPE_CHECKING:
    from registry.chem.registration import Prepared, prepare, prepare_many
    from registry.records import bundled_records_dir
    from registry.service.lookups import LookupResolver
    from registry.service.record_files import ExportFormat, ImportReport
    from registry.service.registry import Registry
    from registry.service.resolve import Resolved, Resolver

# Each public name -> the module that defines it.
_HOMES: dict[str, str] = {
    "ExportFormat": "registry.service.record_files",
    "ImportReport": "registry.service.record_files",
    "LookupResolver": "registry.service.lookups",
    "Prepared": "registry.chem.registration",
    "Registry": "registry.service.registry",
    "Resolved": "registry.service.resolve",
    "Resolver": "registry.service.resolve",
    "bundled_records_dir": "registry.records",
    "prepare": "registry.chem.registration",
    "prepare_many": "registry.chem.registration",
}

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


__getattr__ = served_from(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
