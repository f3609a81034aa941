"""A structure argument given as a registry id, name or CAS number, resolved to its structure.

Wherever a command expects a structure (``registry search --similar``, ``--substructure``,
``--same-parent``, ``--tautomers``, ``--stereoisomers``, ``registry draw``, ``registry
descriptors``), the text given is read by one rule, in this order:

1. A registry id (``REG-000004``, ``reg-4``) is that compound's structure, never anything else.
2. A text that is a structure stays that structure: an InChI (``InChI=...``), a Molfile, or a
   SMILES that RDKit reads (for ``--substructure``, a SMARTS that RDKit reads, or a SMILES
   with ``--query smiles``). So ``C``, ``CO`` or ``CCO`` are SMILES, even though a compound
   could be named so: give its registry id or CAS number to mean the compound.
3. Anything else (a name, synonym, CAS number, InChIKey, PubChem CID) is looked up offline, as
   ``registry lookup --offline`` does: the registry first, then the offline index, the first
   that knows it answering. PubChem is not asked (a structure argument never waits on the
   network): register a compound only PubChem knows (``registry add NAME``) to use its name.
   A text several compounds answer to is refused (:class:`~registry.errors.Ambiguous`, naming
   them), never guessed. A text that looks like a SMILES
   (:func:`registry.identifiers.classify`: only SMILES characters) but that RDKit cannot read is
   a SMILES with a mistake, not looked up: the error is RDKit's (``C1CC``: unclosed ring).

Names are rarely valid SMILES: a lowercase word has letters no SMILES atom has, or aromatic
atoms outside a ring, which RDKit refuses. A valid SMILES that is also the exact name of a
registered compound is still read as the SMILES.

:class:`StructureArgument` says what each text became and where it came from; its
:meth:`~StructureArgument.describe` is the line a command prints on standard error
(``ibuprofen -> REG-000004 CC(C)Cc1ccc(C(C)C(=O)O)cc1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.config import Settings
from registry.errors import Ambiguous, InvalidStructure, NotFound, RegistryError
from registry.identifiers import QueryKind, classify
from registry.models import Candidate, LookupResult
from registry.sources import chain
from registry.sources.chain import Source, choose, describe
from registry.store.matching import format_registry_id, parse_registry_id

__all__ = [
    "StructureArgument",
    "as_structure",
    "needs_lookup",
    "resolve_structures",
]

#: Where a structure argument's structure came from, as :meth:`StructureArgument.describe` says.
_SOURCE_NAMES = {"reference": "offline index", "pubchem": "PubChem", "registry": "registry"}


@dataclass(frozen=True, slots=True)
class StructureArgument:
    """What a structure argument became.

    Attributes:
        text: the argument as given.
        structure: the structure to use: ``text`` itself, or the SMILES it resolved to.
        source: ``structure`` (the text is one), ``registry``, ``reference`` (the offline
            index) or ``pubchem``; ``unresolved`` when nothing knows it (only with
            ``keep_unresolved=True``: ``error`` says why).
        registry_id: the registered compound it named (source ``registry``).
        name: the compound's name, where a source gave one.
        cid: the PubChem CID, where a source gave one.
        error: why the text is not read as a structure (RDKit's message), when it was
            resolved instead.
    """

    text: str
    structure: str
    source: str = "structure"
    registry_id: str = ""
    name: str = ""
    cid: int | None = None
    error: str = ""

    @property
    def resolved(self) -> bool:
        """True when the text named a compound (it was not a structure itself)."""
        return self.source not in ("structure", "unresolved")

    @property
    def label(self) -> str:
        """A caption: ``REG-000004 ibuprofen``, the name, or the text as given."""
        if self.registry_id:
            return f"{self.registry_id} {self.name}".strip()
        return self.name or self.text

    def describe(self) -> str:
        """One line: what the text resolved to (``ibuprofen -> REG-000004 CC(C)...``).

        >>> StructureArgument("aspirin", "CC(=O)Oc1ccccc1C(=O)O", "reference", cid=2244).describe()
        'aspirin -> CID 2244 (offline index) CC(=O)Oc1ccccc1C(=O)O'
        >>> StructureArgument("CCO", "CCO").describe()
        'CCO is a structure'
        """
        if self.source == "unresolved":
            return f"{self.text}: {self.error}"
        if not self.resolved:
            return f"{self.text} is a structure"
        if self.registry_id:
            where = self.registry_id
        else:
            shown = _SOURCE_NAMES.get(self.source, self.source)
            where = f"CID {self.cid} ({shown})" if self.cid else f"{self.name} ({shown})"
        return f"{self.text} -> {where} {self.structure}"


def as_structure(text: str, *, smarts: bool = False) -> tuple[bool, str]:
    """Whether ``text`` is read as a structure itself (rule 2), and if not, why not.

    A text RDKit reads is one; so is an InChI or Molfile even when RDKit refuses it, and a
    SMILES refused for its size (the command then reports RDKit's error). A registry id never
    is. With ``smarts=True`` the text is tried as a SMARTS pattern instead of a SMILES.

    >>> as_structure("CCO")
    (True, '')
    >>> as_structure("REG-000004")
    (False, 'a registry id')
    >>> as_structure("ibuprofen")[0]
    False
    """
    from registry import chem  # RDKit: only when a structure argument is read

    stripped = text.strip()
    if not stripped:
        return True, ""  # nothing to look up: the command reports the empty structure
    if parse_registry_id(stripped) is not None:
        return False, "a registry id"
    try:
        if smarts:
            chem.parse_smarts(stripped)
        elif chem.detect_format(stripped) != "smiles":
            return True, ""
        else:
            chem.parse(stripped)
    except InvalidStructure as error:
        message = str(error)
        if message.startswith("cannot read"):
            return False, message
    return True, ""


def needs_lookup(texts: Sequence[str], *, smarts: bool = False) -> bool:
    """Whether any of ``texts`` is not a structure itself (so the registry must be asked)."""
    return any(not as_structure(text, smarts=smarts)[0] for text in texts)


def resolve_structures(
    texts: Sequence[str],
    settings: Settings,
    registry: Sequence[Source] = (),
    *,
    smarts: bool = False,
    keep_unresolved: bool = False,
) -> list[StructureArgument]:
    """Each text as a structure, by the module's rule, in order.

    With ``keep_unresolved=True`` a text nothing resolves is returned (source
    ``unresolved``, the reason in ``error``) instead of raising, so that a batch can report it
    in its place.

    The texts that are not structures are looked up, all in one pass, in ``registry`` (the
    registry's lookup source, :class:`~registry.service.registry_source.RegistrySource`; none:
    the registry is not asked) and then the offline index, never PubChem.

    Raises:
        NotFound: a text is no structure and no source knows it (the message says what RDKit
            made of it and who was asked).
        Ambiguous: a text names several compounds (the message lists them).
        InvalidStructure: a text that looks like a SMILES is none RDKit reads, and no source
            knows it.
    """
    if isinstance(texts, str | bytes):
        raise TypeError("texts must be a sequence of structure arguments, not one text")
    read = [as_structure(text, smarts=smarts) for text in texts]
    pending = [
        text.strip()
        for text, (plain, _) in zip(texts, read, strict=True)
        if not plain and not _mistyped(text)
    ]
    found: dict[str, LookupResult] = {}
    if pending:
        offline = settings.replace(offline=True)
        sources = chain.default_sources(offline, first=registry)
        unique = list(dict.fromkeys(pending))
        found = dict(zip(unique, chain.lookup_many(unique, offline, sources), strict=True))
    arguments = []
    for text, (plain, why) in zip(texts, read, strict=True):
        if plain:
            arguments.append(StructureArgument(text, text))
            continue
        try:
            if _mistyped(text):
                raise InvalidStructure(why)
            arguments.append(_from_lookup(text, found[text.strip()], why))
        except RegistryError as error:
            if not keep_unresolved:
                raise
            arguments.append(StructureArgument(text, text, "unresolved", error=str(error)))
    return arguments


def _from_lookup(text: str, result: LookupResult, why: str) -> StructureArgument:
    stripped = text.strip()
    asked = ", ".join(_SOURCE_NAMES.get(s, s) for s in dict.fromkeys(result.sources))
    if not result.candidates:
        if result.suggestions:
            raise NotFound(
                f"{stripped!r} fails its CAS checksum; did you mean "
                f"{', '.join(result.suggestions)}?"
            )
        number = parse_registry_id(stripped)
        if number is not None:
            raise NotFound(f"no compound {format_registry_id(number)} in the registry")
        raise NotFound(
            f"{stripped!r} is no SMILES, and no compound is known by it (asked: {asked})"
        )
    try:
        candidate = choose(result)
    except Ambiguous:
        raise Ambiguous(
            f"{stripped!r} names several compounds: {describe(result.candidates)}; give a "
            "registry id, CAS number or the structure itself"
        ) from None
    if not candidate.smiles:
        raise NotFound(f"{stripped!r} was found ({_where(candidate)}) without a structure")
    registry_id = (
        candidate.origin.removeprefix("registry:") if candidate.source == "registry" else ""
    )
    return StructureArgument(
        text=stripped,
        structure=candidate.smiles,
        source=candidate.source,
        registry_id=registry_id,
        name=candidate.name,
        cid=candidate.cid,
        error=why,
    )


def _mistyped(text: str) -> bool:
    """A text of SMILES characters that is no structure: a SMILES with a mistake, not a name."""
    stripped = text.strip()
    return parse_registry_id(stripped) is None and classify(stripped).kind is QueryKind.SMILES


def _where(candidate: Candidate) -> str:
    return _SOURCE_NAMES.get(candidate.source, candidate.source)
