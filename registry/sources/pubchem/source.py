"""PubChem as a step of the lookup chain."""

from __future__ import annotations

from collections.abc import Sequence

from registry.config import Settings
from registry.errors import PubChemUnavailable
from registry.identifiers import Query
from registry.models import Candidate
from registry.sources.pubchem.client import PubChemClient

__all__ = ["PubChemSource"]


class PubChemSource:
    """The PubChem step of the lookup chain."""

    name = "pubchem"

    def __init__(self, settings: Settings, client: PubChemClient | None = None) -> None:
        self.client = client or PubChemClient(settings)
        self._down: PubChemUnavailable | None = None

    def find_many(self, queries: Sequence[Query]) -> list[list[Candidate]]:
        """Candidates per query; once PubChem proved unavailable, fail at once (no new waits)."""
        if self._down is not None:
            raise PubChemUnavailable(f"{self._down} (not retried in this run)")
        try:
            return self.client.candidates(queries)
        except PubChemUnavailable as error:
            if not self.client.settings.offline:
                self._down = error
            raise
