"""How a text finds a registered compound, and how a name or CAS number finds a structure.

One rule decides which stored compounds a text names: :func:`match_steps` lists the store
searches (:mod:`registry.store.matching` kinds) to try in order, the first that finds any
compound answering. :meth:`Registry.get <registry.service.Registry.get>` (through
:func:`find_ids`) and the registry's place in the lookup chain
(:class:`~registry.service.registry_source.RegistrySource`, and the read-only probe it asks
first) all run these steps; :func:`find_ids` then also matches a SMILES, InChI or Molfile by
its structure, which needs chemistry.

A text the registry does not hold is resolved to a structure by a :class:`Resolver`, such as
:class:`~registry.service.lookups.LookupResolver` (the offline index, then PubChem);
:class:`Resolved` is its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from registry import cas as cas_numbers
from registry import chem
from registry.errors import (
    Ambiguous,
    DuplicateCompound,
    InvalidStructure,
    NotFound,
    ValidationError,
)
from registry.identifiers import CAS_SYNONYM, Query, QueryKind, classify
from registry.models import Candidate, CasEntry, Identifier
from registry.store.matching import (
    MatchKind,
    compound_ids,
    format_registry_id,
    match_kind,
    parse_registry_id,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = [
    "Resolved",
    "Resolver",
    "Target",
    "find_id",
    "find_ids",
    "find_target",
    "first_match",
    "match_steps",
    "registered_structure",
    "resolve_unregistered",
]

Step = tuple[MatchKind, str]
# Identifier kinds a bare text is also tried as, after its own kind and its name.
_OTHER_IDENTIFIERS: tuple[MatchKind, ...] = ("unii", "chembl", "drugbank")


def match_steps(query: Query) -> tuple[Step, ...]:
    """The store searches that find the compounds a query names, in the order they are tried.

    A registry id (``REG-000042``) is looked up as such and nothing else. Any other text is
    searched as what it looks like (:func:`registry.store.matching.match_kind`: a CAS number, a
    PubChem CID, an InChIKey, else a name); a CID whose digits are also a valid CAS number
    without hyphens as that CAS number too; then, unless it was searched as a name already,
    as a name or synonym; last as a UNII, ChEMBL or DrugBank id. The first search that finds
    any compound answers. An empty query has no steps.

    >>> match_steps(classify("REG-000001"))
    (('registry_id', 'REG-000001'),)
    >>> [kind for kind, _ in match_steps(classify("50-78-2"))]
    ['cas', 'name', 'unii', 'chembl', 'drugbank']
    >>> match_steps(classify("7732185"))[:2]
    (('pubchem_cid', '7732185'), ('cas', '7732-18-5'))
    """
    first = match_kind(query)
    if first is None:
        return ()
    text = query.text.strip()
    if parse_registry_id(text) is not None:
        return (("registry_id", text),)
    steps: list[Step] = [first]
    if query.kind is QueryKind.CID and cas_numbers.is_valid(text):
        steps.append(("cas", cas_numbers.validate(text)))
    if first[0] != "name":
        steps.append(("name", text))
    steps += [(kind, text) for kind in _OTHER_IDENTIFIERS]
    return tuple(steps)


def first_match(connection: Connection, steps: Sequence[Step]) -> list[int]:
    """The compound ids the first of ``steps`` that finds any finds; [] when none does.

    A merged compound found is replaced by the one it was merged into.
    """
    for kind, value in steps:
        found = compound_ids(connection, kind, value)
        if found:
            return _followed(connection, found)[0]
    return []


def _followed(connection: Connection, found: list[int]) -> tuple[list[int], int | None, bool]:
    """``found`` with each merged compound replaced by the one it was merged into (sorted,
    once each), the (first) merged compound among them, and whether any was not merged."""
    from registry.store.edits import merge_targets  # SQLAlchemy: only with a database open

    targets = merge_targets(connection, found)
    if not targets:
        return found, None, True
    direct = any(i not in targets for i in found)
    return sorted({targets.get(i, i) for i in found}), min(targets), direct


@dataclass(frozen=True, slots=True)
class Target:
    """The one compound a text names; the merged record among those it matched, if any; and
    whether it matched the compound itself too (else it named only the merged record)."""

    id: int
    redirected_from: int | None = None
    direct: bool = True

    @property
    def only_merged(self) -> int | None:
        """The merged record the text named, when it named nothing else."""
        return None if self.direct else self.redirected_from


def find_ids(store: Store, connection: Connection, text: str) -> list[int]:
    """Every compound ``text`` names (by :func:`match_steps`, then by structure).

    A merged compound's queries (its registry id, name, identifiers, structure) find the
    compound it was merged into.

    Raises:
        NotFound: nothing matches. A registry id that no compound has, and a CAS number that
            records only mention (role unknown), say so in the message.
    """
    return _find(store, connection, text)[0]


def _find(store: Store, connection: Connection, text: str) -> tuple[list[int], int | None, bool]:
    return _followed(connection, _matched(store, connection, text))


def _matched(store: Store, connection: Connection, text: str) -> list[int]:
    text = text.strip()
    if not text:
        raise NotFound("empty query")
    query = classify(text)
    steps = match_steps(query)
    for kind, value in steps:
        found = compound_ids(connection, kind, value)
        if found:
            return found
        if kind == "registry_id":  # a registry id names its compound or nothing
            number = parse_registry_id(value)
            assert number is not None  # match_steps gives this step to registry ids only
            raise NotFound(f"no compound {format_registry_id(number)}")
        if kind == "cas" and cas_numbers.is_valid(value):
            _refuse_mentioned(store, connection, value)
    found = _ids_by_structure(store, connection, text)
    if found:
        return found
    kind, value = steps[0]
    what = {"cas": f"CAS {value}", "inchikey": "InChIKey", "pubchem_cid": f"CID {value}"}
    raise NotFound(
        f"{text!r} is not in the registry (searched {what.get(kind, 'name')}, identifiers "
        "and structures)"
    )


def find_id(store: Store, connection: Connection, text: str) -> int:
    """The one compound ``text`` names (see :func:`find_ids`).

    Raises:
        NotFound: nothing matches.
        Ambiguous: several compounds match (a synonym shared by several); the message lists
            them.
    """
    return find_target(store, connection, text).id


def find_target(store: Store, connection: Connection, text: str) -> Target:
    """The one compound ``text`` names, with the merged record it was redirected from.

    Raises NotFound and Ambiguous as :func:`find_id` does.
    """
    found, redirected_from, direct = _find(store, connection, text)
    if len(found) > 1:
        names = store.names(connection, found)
        listed = ", ".join(f"{format_registry_id(i)} ({names[i][0]})" for i in found)
        raise Ambiguous(f"{text.strip()!r} matches {len(found)} compounds: {listed}")
    return Target(found[0], redirected_from, direct)


def registered_structure(store: Store, query: str) -> tuple[str, str] | None:
    """The structure and name of the registered compound ``query`` names, None when none does.

    What ``add(query=..., link=True)`` without a structure links onto. The structure is the
    one the record was registered from, checked to give the record's registration hash again.

    Raises:
        Ambiguous: several compounds match.
        ValidationError: the stored structure no longer gives the record's hash (the
            standardisation changed since); the structure must then be given.
    """
    with store.read() as connection:
        try:
            found = find_id(store, connection, query)
        except NotFound:
            return None
        record = store.load(connection, found)
    for structure in (record.submitted, record.smiles):
        try:
            standardised = chem.standardise(structure).standardised
        except InvalidStructure:
            continue
        if chem.identifiers(standardised).registration_hash == record.registration_hash:
            return structure, record.name
    raise ValidationError(
        f"{record.registry_id} ({record.name}): its stored structure no longer standardises to "
        "its registration hash; give the structure with structure=SMILES to link to it"
    )


def _refuse_mentioned(store: Store, connection: Connection, number: str) -> None:
    """NotFound naming the records that mention ``number`` without it identifying them."""
    mentions = compound_ids(connection, "cas_mention", number)
    if mentions:
        names = store.names(connection, mentions)
        cited = ", ".join(f"{format_registry_id(i)} ({names[i][0]})" for i in mentions)
        raise NotFound(
            f"CAS {number} identifies no registered compound; it is mentioned (role unknown) "
            f"by {cited}"
        )


def _ids_by_structure(store: Store, connection: Connection, text: str) -> list[int]:
    try:
        standardised = chem.standardise(text)
    except InvalidStructure:
        return []  # not a structure either: the text is simply unknown
    registration_hash = chem.identifiers(standardised.standardised).registration_hash
    found = store.id_by_hash(connection, registration_hash)
    return [found] if found is not None else []


# --- resolving what the registry does not hold ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a resolver found for a name or CAS number: a structure and where it came from.

    ``identifiers`` (e.g. the PubChem CID) are attached with the CAS numbers; ``provenance``
    (source, retrieval date, origin, CID, query) goes into the audit row of the registration.
    A CAS entry with role ``parent`` is recorded as ``salt`` when the structure is a salt.
    """

    smiles: str
    name: str = ""
    cas: tuple[CasEntry, ...] = ()
    synonyms: tuple[str, ...] = ()
    source: str = ""
    identifiers: tuple[Identifier, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_candidate(cls, candidate: Candidate, query: str | None = None) -> Resolved:
        """What a lookup candidate registers as.

        CAS roles: the source's own CAS field (the offline index's ``primary``) is the
        ``parent`` number (``salt`` when the structure is a salt); so is the queried CAS
        number when the source has no CAS field of its own (PubChem: the number the user
        asked for led to this record). Every other number found among the synonyms is kept
        with role ``unknown`` (mentioned, not identifying). A number failing its checksum is
        never stored. CAS-shaped synonyms are recorded as CAS numbers, not as names.
        """
        source = (
            f"{candidate.source}:{candidate.retrieved[:10]}"
            if candidate.retrieved
            else candidate.source
        )
        asked = cas_numbers.check(query).canonical if query else None
        has_primary = any(c.role == "primary" and c.valid for c in candidate.cas)
        entries: list[CasEntry] = []
        for number in candidate.cas:
            if not number.valid:
                continue
            identifying = number.role == "primary" or (number.number == asked and not has_primary)
            entries.append(
                CasEntry(number.number, "parent" if identifying else "unknown", "", source)
            )
        if asked and not has_primary and asked not in {e.number for e in entries}:
            entries.insert(0, CasEntry(asked, "parent", "", source))
        entries.sort(key=lambda e: e.role != "parent")  # the identifying number first
        numbers = {e.number for e in entries}
        ids = (Identifier("pubchem_cid", str(candidate.cid), source),) if candidate.cid else ()
        provenance = (
            ("lookup_source", candidate.source),
            ("retrieved", candidate.retrieved),
            ("origin", candidate.origin),
            ("pubchem_cid", str(candidate.cid or "")),
            ("query", query or ""),
        )
        return cls(
            smiles=candidate.smiles,
            name=candidate.name,
            cas=tuple(entries),
            synonyms=tuple(
                s for s in candidate.synonyms if s not in numbers and not CAS_SYNONYM.fullmatch(s)
            ),
            source=source,
            identifiers=ids,
            provenance=provenance,
        )


class Resolver(Protocol):
    """Turns a name or CAS number into a structure (PubChem lookup plugs in here)."""

    def __call__(self, query: str) -> Resolved | None: ...


def resolve_unregistered(store: Store, query: str, resolver: Resolver | None) -> Resolved:
    """The structure ``resolver`` finds for a name or CAS number this registry does not hold.

    Raises:
        DuplicateCompound: the registry holds it already; the message names the record.
        NotFound: no resolver, or the resolver knows nothing of it.
    """
    with store.read() as connection:
        try:
            found: int | None = find_id(store, connection, query)
        except NotFound:
            found = None
        if found is not None:
            record = store.load(connection, found)
            raise DuplicateCompound(
                f"{query} is already registered as {record.registry_id} ({record.name})"
            )
    resolved = resolver(query) if resolver is not None else None
    if resolved is None:
        raise NotFound(
            f"{query!r} is not in the registry and nothing resolves it here; give its "
            f"structure with structure=SMILES{_as_structure(query)}"
        )
    return resolved


def _as_structure(query: str) -> str:
    """Why ``query`` is no structure, when it reads as one (or parses but is refused)."""
    try:
        chem.parse(query)
    except InvalidStructure as error:
        refused = not str(error).startswith("cannot read")
        if refused or classify(query).kind is QueryKind.SMILES:
            return f" (as a structure: {error})"
    return ""
