"""The structure methods of :class:`~registry.service.Registry`: structure arguments resolved
through the registry, and the forms (as registered, parent) a compound's numbers describe.

:class:`StructureMethods` is a base class of ``Registry`` (kept here so that the facade's module
stays small); see :mod:`registry.service.structure_args` and :mod:`registry.service.salt_forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from registry.service.resolve import find_id
from registry.service.salt_forms import Forms, forms_of
from registry.service.structure_args import StructureArgument, resolve_structures

if TYPE_CHECKING:
    from registry.config import Settings
    from registry.service.registry_source import OpenRegistry
    from registry.store import Store

__all__ = ["StructureMethods"]


class StructureMethods:
    """Structures named by id, name or CAS number; a salt's own numbers beside its parent's."""

    store: Store
    settings: Settings

    def structure_of(self, text: str, *, smarts: bool = False) -> StructureArgument:
        """The structure a text stands for where a structure is expected.

        A registry id is its compound's structure; a SMILES, InChI or Molfile (or with
        ``smarts=True`` a SMARTS) is itself; a name, CAS number, InChIKey or CID is looked up in
        this registry, then the offline index (never PubChem). See
        :mod:`registry.service.structure_args` for the rule.

        Raises:
            NotFound: no source knows the text. Ambiguous: it names several compounds.

        >>> from registry import Registry
        >>> with Registry.open("sqlite://", seed=False, author="doc") as reg:
        ...     _ = reg.add("CC(C)Cc1ccc(C(C)C(=O)O)cc1", name="ibuprofen")
        ...     found = reg.structure_of("Ibuprofen")
        >>> found.describe()
        'Ibuprofen -> REG-000001 CC(C)Cc1ccc(C(C)C(=O)O)cc1'
        """
        return self.structures_of([text], smarts=smarts)[0]

    def structures_of(
        self, texts: Sequence[str], *, smarts: bool = False
    ) -> list[StructureArgument]:
        """:meth:`structure_of` for many texts, in order (the lookups in one pass)."""
        from registry.service.registry_source import RegistrySource

        mine = RegistrySource(self.settings, registry=cast("OpenRegistry", self))
        return resolve_structures(texts, self.settings, [mine], smarts=smarts)

    def forms(self, query: str) -> Forms:
        """The compound as registered and its parent, each with formula and weights.

        For a salt (sertraline hydrochloride) ``as_registered`` is the salt (C17H18Cl3N,
        342.7 g/mol) and ``parent`` the free base (C17H17Cl2N, 306.2 g/mol), which is what
        the stored descriptors describe. See :mod:`registry.service.salt_forms`.
        """
        with self.store.read() as connection:
            compound = self.store.load(connection, find_id(self.store, connection, query))
        return forms_of(compound)
