"""Structure arguments of ``registry draw`` and ``registry descriptors``: a registry id, name or
CAS number stands for its structure (:mod:`registry.service.structure_args` has the rule), and
what each resolved to is said on stderr."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from registry.chem.structure_files import StructureInput
from registry.config import Settings

if TYPE_CHECKING:
    from registry.service.registry_source import OpenRegistry
    from registry.service.structure_args import StructureArgument

__all__ = ["registered_structures", "resolve_arguments"]


def _open(settings: Settings) -> OpenRegistry:
    from registry.service.registry import Registry  # SQLAlchemy: only when a text needs it

    return Registry.open(settings=settings, persistent=True)


def _settings(db: str | None) -> Settings:
    settings = Settings.from_env()
    return settings.replace(db_url=db) if db else settings


def resolve_arguments(
    values: Sequence[str], db: str | None, *, keep_unresolved: bool = False
) -> list[StructureArgument]:
    """Each value as a structure, saying on stderr what each name or id resolved to.

    The registry (at ``db``) is opened only when a value is not a structure itself, and only
    when its database exists (a structure argument never creates one).
    """
    from registry.service.registry_source import RegistrySource
    from registry.service.structure_args import resolve_structures

    settings = _settings(db)
    registry = RegistrySource(settings, "exists", opener=_open)
    try:
        found = resolve_structures(values, settings, [registry], keep_unresolved=keep_unresolved)
    finally:
        registry.close()
    for argument in found:
        if argument.resolved:
            typer.echo(argument.describe(), err=True)
    return found


def registered_structures(db: str | None, limit: int | None) -> list[StructureInput]:
    """Every registered compound (the first ``limit``), named ``REG-000001 name``."""
    from registry.cli.registry_options import open_registry

    with open_registry(db) as registry:
        compounds = registry.list_compounds(limit=limit)
    return [StructureInput(c.smiles, f"{c.registry_id} {c.name}") for c in compounds]
