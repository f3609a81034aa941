"""Looking compounds up everywhere: the own registry, the offline index, then PubChem.

These are ``registry.lookup`` and ``registry.lookup_many``: the lookup chain of
:mod:`registry.sources.chain` with the registry (:class:`RegistrySource`) in front of the
offline reference index, and again, for a fresh install, before PubChem. A
:class:`LookupResolver` resolves a name or CAS number for registration through the chain
without the registry.

>>> from registry.config import Settings
>>> [source.name for source in default_chain(Settings.from_env({}, offline=True))]
['registry', 'reference', 'registry']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from registry.config import Settings
from registry.errors import NotFound
from registry.frames import FrameLibrary
from registry.models import LookupResult, LookupResults
from registry.progress import ProgressOption
from registry.service.registry_source import OpenRegistry, RegistrySource
from registry.service.resolve import Resolved
from registry.sources import chain
from registry.sources.chain import Source

__all__ = ["LookupResolver", "close_chain", "default_chain", "lookup", "lookup_many"]


def default_chain(settings: Settings) -> list[Source]:
    """The own registry, the offline reference index, then PubChem (unless offline).

    The registry is asked first when its database exists; on a fresh install it is created
    (from the bundled records) only when the index does not know the query, just before
    PubChem. Close the chain with :func:`close_chain` when done.
    """
    return chain.default_sources(
        settings,
        first=[RegistrySource(settings, "exists", opener=_open)],
        before_pubchem=[RegistrySource(settings, "missing", opener=_open)],
    )


def close_chain(sources: Iterable[Source]) -> None:
    """Close what the sources of a chain opened (the registry's database)."""
    for source in sources:
        if isinstance(source, RegistrySource):
            source.close()


@contextmanager
def _chain(settings: Settings, sources: Sequence[Source] | None) -> Iterator[Sequence[Source]]:
    """The caller's ``sources`` as given, else :func:`default_chain`, closed when done."""
    if sources is not None:
        yield sources
        return
    own = default_chain(settings)
    try:
        yield own
    finally:
        close_chain(own)


def _open(settings: Settings) -> OpenRegistry:
    # The registry (and with it SQLAlchemy) is imported only when a query needs the store.
    from registry.service.registry import Registry

    return Registry.open(settings=settings)


def lookup_many(
    texts: Iterable[object],
    settings: Settings | None = None,
    sources: Sequence[Source] | None = None,
    *,
    exhaustive: bool = False,
    progress: ProgressOption = None,
    frame: FrameLibrary | None = None,
) -> LookupResults:
    """Look many queries up, each source asked once for all queries still open.

    ``texts`` is a list or a pandas or polars Series; a missing query (None, NaN, NA, null)
    gets the status ``empty``. ``settings`` default to the environment's (as the command's
    do), ``sources`` to :func:`default_chain`. ``progress=True`` shows a bar (or give
    ``progress(done, total)``); the results' ``to_frame()`` gives one row per candidate in the
    input's frame library (or ``frame``). Never raises for a source that cannot answer (PubChem
    down, offline cache miss): each affected result carries a warning instead. See
    :func:`registry.sources.chain.lookup_many`.
    """
    if isinstance(texts, str | bytes):
        raise TypeError(
            f"texts must be a sequence of queries, not {type(texts).__name__}: "
            "look one query up with registry.lookup"
        )
    settings = settings or Settings.from_env()
    with _chain(settings, sources) as asked:
        return chain.lookup_many(
            texts, settings, asked, exhaustive=exhaustive, progress=progress, frame=frame
        )


def lookup(
    text: str,
    settings: Settings | None = None,
    sources: Sequence[Source] | None = None,
    *,
    exhaustive: bool = False,
) -> LookupResult:
    """Look one query up: the own registry, the offline index, then PubChem unless offline.

    ``settings`` default to the environment's, as the command's do.

    By default the chain stops at the first source that knows the query; ``exhaustive=True``
    asks every source (which is what finds conflicts between them).

    Raises:
        NotFound: no source knows it (a CAS number failing its checksum is not an error: the
            result carries suggestions).
        PubChemUnavailable: PubChem was needed and could not be reached.
    """
    settings = settings or Settings.from_env()
    with _chain(settings, sources) as asked:
        return chain.lookup(text, settings, asked, exhaustive=exhaustive)


class LookupResolver:
    """Resolves names and CAS numbers through the lookup chain (offline index, then PubChem).

    The registry itself is not asked (:meth:`Registry.add` has looked there first). An
    ambiguous answer (a name naming several compounds, sources disagreeing on a CAS number's
    structure) raises :class:`~registry.errors.Ambiguous` listing the candidates, so that
    nothing is registered by guess: look the name up, ``choose(result, pick=N)`` one
    (:func:`registry.sources.chain.choose`) and register it with
    :meth:`Registry.add_from_lookup`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, query: str) -> Resolved | None:
        try:
            result = chain.lookup(query, self.settings, chain.default_sources(self.settings))
        except NotFound:
            return None
        if not result.found:  # a CAS number failing its checksum
            raise NotFound(
                f"{query!r} fails the CAS checksum; did you mean {', '.join(result.suggestions)}?"
            )
        return Resolved.from_candidate(chain.choose(result), query)
