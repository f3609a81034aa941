"""The own registry as a source of the lookup chain (see :mod:`registry.sources.chain`).

It finds compounds by the registry's one matching rule
(:func:`~registry.service.resolve.match_steps`: identifiers and names; no structure parsing,
so the lookup never loads RDKit for it). While its database is not open it asks the
standard-library probe (:mod:`registry.store.probe`) first, which runs the very same
statements, and opens the store (and SQLAlchemy) only for a query the probe finds or cannot
answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from registry import cas
from registry.config import Settings
from registry.identifiers import Query
from registry.models import Candidate, CasNumber, Compound
from registry.service.resolve import Step, first_match, match_steps
from registry.store.probe import probe_first

if TYPE_CHECKING:
    from registry.store import Store

__all__ = ["OpenRegistry", "RegistrySource"]


class OpenRegistry(Protocol):
    """What the source needs of an open registry: its store, and closing it."""

    @property
    def store(self) -> Store: ...

    def close(self) -> None: ...


class RegistrySource:
    """The own registry as a lookup source.

    ``when`` decides whether it takes part, so that a lookup never pays for opening (or
    creating) a database it does not need: ``"exists"`` asks the registry only when its
    database already exists (first in the chain); ``"missing"`` opens it, creating it from the
    bundled record files, only when it did not exist yet (after the offline index, so a fresh
    install still answers ``milnacipran`` offline).

    Give either ``registry`` (an open registry: always asked, never closed here) or ``opener``
    (called with the settings to open one when a query needs it; :meth:`close` closes it).
    """

    name = "registry"

    def __init__(
        self,
        settings: Settings,
        when: Literal["exists", "missing"] = "exists",
        *,
        registry: OpenRegistry | None = None,
        opener: Callable[[Settings], OpenRegistry] | None = None,
    ) -> None:
        if registry is None and opener is None:
            raise TypeError("RegistrySource needs an open registry or an opener")
        self.settings = settings
        self.when = when
        self._registry = registry
        self._opener = opener
        self._owned = registry is None
        self._existed = registry is not None or _database_exists(settings.db_url)

    def _store(self) -> Store:
        if self._registry is None:
            assert self._opener is not None
            self._registry = self._opener(self.settings)
        return self._registry.store

    def _active(self) -> bool:
        return self._existed if self.when == "exists" else not self._existed

    def _probe(self, steps: Sequence[Sequence[Step]]) -> list[list[int]] | None:
        """The probe's answer for each query's steps while the store is not open (else None)."""
        if self._registry is not None:
            return None
        return probe_first(self.settings.db_url, steps)

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        """The registered compounds each query names, in registry order."""
        if not self._active():
            return [[] for _ in queries]
        steps = [match_steps(query) for query in queries]
        # Most queries name compounds the registry does not hold: when the probe says so for
        # every query, the store is never opened. ("missing" must create the database from
        # the bundled records, so it never takes this short-cut.)
        probed = self._probe(steps) if self.when == "exists" else None
        if probed is not None and not any(probed):
            return [[] for _ in queries]
        store = self._store()
        with store.read() as connection:
            return [
                [_candidate(store.load(connection, i)) for i in first_match(connection, s)]
                for s in steps
            ]

    def knows_cas(self, number: str) -> bool:
        """Whether a registered compound has this CAS number (ranks checksum suggestions)."""
        if not self._active() or (self.when == "missing" and self._registry is None):
            return False  # never create a database just to rank suggestions
        steps: tuple[Step, ...] = (("cas", number),)
        probed = self._probe([steps])
        if probed is not None:
            return bool(probed[0])
        store = self._store()
        with store.read() as connection:
            return bool(first_match(connection, steps))

    def close(self) -> None:
        """Close the registry this source opened (one it was given stays open)."""
        if self._registry is not None and self._owned:
            self._registry.close()
            self._registry = None


def _database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    return not url.startswith("sqlite")  # a server database: assume it is there


def _candidate(compound: Compound) -> Candidate:
    cids = [i.value for i in compound.identifiers if i.kind == "pubchem_cid"]
    return Candidate(
        source="registry",
        retrieved=compound.updated_at or compound.created_at,
        name=compound.name,
        cas=tuple(CasNumber(e.number, e.role, cas.is_valid(e.number)) for e in compound.cas),
        formula=compound.formula,
        inchikey=compound.inchikey,
        cid=int(cids[0]) if cids and cids[0].isdigit() else None,
        smiles=compound.smiles,
        inchi=compound.inchi,
        synonyms=tuple(compound.synonyms[:20]),
        origin=f"registry:{compound.registry_id}",
    )
