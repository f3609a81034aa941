"""Tautomers and stereoisomers of registered compounds: refused unless registered on purpose.

A structure whose registration hash is new may still be a compound the registry holds in
another form: a tautomer (the same tautomer-insensitive hash, ``tautomer_hash``: 2-pyridone
against 2-hydroxypyridine) or a stereoisomer (the same stereo-insensitive hash,
``no_stereo_hash``: an enantiomer, the racemate of a single enantiomer). Registration refuses
it, naming the record and the relation, unless the caller allows that relation
(:class:`Allowed`: ``allow_tautomer=True``, ``allow_stereoisomer=True``), as an enantiomer pair
is registered on purpose. A compound that matches in both layers needs both allowed.

:func:`check_one` is the rule for one registration (:func:`registry.service.register.add`);
:class:`Batch` applies it to a batch (:func:`registry.service.register_many.insert_new`),
where a structure is also refused as the tautomer or stereoisomer of an earlier input of the
same batch. The records related to a compound are the ones ``registry show`` lists
(``Compound.tautomers``, ``Compound.stereoisomers``, read by the store).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from registry.errors import RelatedStructure
from registry.models import CompoundRow
from registry.store.matching import RELATED_LAYERS, HashMatch, format_registry_id, hash_matches

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from registry.store import Store

__all__ = ["LAYER_NAMES", "Allowed", "Batch", "check_one", "refusal"]

#: How a message names each hash layer.
LAYER_NAMES = {"tautomer": "tautomer-insensitive hash", "stereoisomer": "stereo-insensitive hash"}


@dataclass(frozen=True, slots=True)
class Allowed:
    """The relations a registration accepts: ``allow_tautomer``, ``allow_stereoisomer``."""

    tautomer: bool = False
    stereoisomer: bool = False

    @property
    def layers(self) -> tuple[str, ...]:
        """The hash columns to check (those whose relation is not allowed)."""
        allowed = {"tautomer": self.tautomer, "stereoisomer": self.stereoisomer}
        return tuple(layer for layer, relation in RELATED_LAYERS.items() if not allowed[relation])


def _relations(
    row: CompoundRow, layers: Iterable[str], holders: dict[str, dict[str, list[int]]]
) -> list[tuple[str, list[int]]]:
    """``(relation, ids)`` for each layer of ``row`` that ``holders`` (layer -> hash -> ids) has."""
    found = []
    for layer in layers:
        ids = holders[layer].get(getattr(row, layer), [])
        if ids:
            found.append((RELATED_LAYERS[layer], ids))
    return found


def refusal(relations: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The reason a batch gives for a refused structure: ``"tautomer of REG-000012"``.

    >>> refusal([("tautomer", ["REG-000012"]), ("stereoisomer", ["input 3", "input 5"])])
    'tautomer of REG-000012; stereoisomer of input 3, input 5'
    """
    return "; ".join(f"{relation} of {', '.join(names)}" for relation, names in relations)


def check_one(
    store: Store, connection: Connection, row: CompoundRow, allowed: Allowed
) -> dict[str, list[str]]:
    """The registered tautomers and stereoisomers of ``row`` (relation -> registry ids), when
    ``allowed`` accepts every relation found; else RelatedStructure naming each record that
    blocks it, the relation and the flag that would accept it.

    A record of ``row``'s own structure (its registration hash) is not its relative.
    """
    layers = tuple(RELATED_LAYERS)
    matches = [
        m
        for m in hash_matches(connection, {layer: [getattr(row, layer)] for layer in layers})
        if m.registration_hash != row.registration_hash
    ]
    relations = _relations(row, layers, _holders(matches, layers))
    blocking = [(r, ids) for r, ids in relations if not getattr(allowed, r)]
    if blocking:
        names = store.names(connection, sorted({i for _, ids in blocking for i in ids}))
        parts = [
            f"a {relation} of "
            + " and ".join(f"{format_registry_id(i)} ({names[i][0]})" for i in ids)
            for relation, ids in blocking
        ]
        same = " and ".join(f"same {LAYER_NAMES[relation]}" for relation, _ in blocking)
        flags = " and ".join(f"allow_{relation}=True" for relation, _ in blocking)
        raise RelatedStructure(
            f"the structure is {' and '.join(parts)}: {same}; use {flags} to register it "
            "as a compound of its own",
            matches=tuple((r, format_registry_id(i)) for r, ids in blocking for i in ids),
        )
    return {r: [format_registry_id(i) for i in ids] for r, ids in relations}


def _holders(
    matches: Iterable[HashMatch], layers: Iterable[str]
) -> dict[str, dict[str, list[int]]]:
    holders: dict[str, dict[str, list[int]]] = {layer: {} for layer in RELATED_LAYERS}
    for match in matches:
        for layer in layers:
            holders[layer].setdefault(getattr(match, layer), []).append(match.compound_id)
    return holders


@dataclass(slots=True)
class Batch:
    """One batch registration's duplicate rules, over the batches of one input.

    Attributes:
        allowed: the relations accepted.
        structures: registration hash -> input index, for every structure of this input
            inserted so far (and, per checked layer, ``layers``: hash -> input index).
        inserted: the ids this input inserted (registered, yet not *before* this input).
    """

    allowed: Allowed = field(default_factory=Allowed)
    structures: dict[str, int] = field(default_factory=dict)
    layers: dict[str, dict[str, int]] = field(
        default_factory=lambda: {layer: {} for layer in RELATED_LAYERS}
    )
    inserted: set[int] = field(default_factory=set)

    def sort(
        self, connection: Connection, valid: Sequence[tuple[int, CompoundRow]]
    ) -> tuple[list[tuple[int, CompoundRow]], list[tuple[int, str]]]:
        """The rows to insert, and ``(input index, reason)`` for each refused one.

        One query finds every registered structure and relative of ``valid``. A structure is
        refused, in this order, as the same structure as an earlier input, as registered
        already, as a tautomer or stereoisomer of a registered compound, and as one of an
        earlier input; a row taken is remembered as an earlier input (call :meth:`taken` with
        the ids it gets).
        """
        checked = self.allowed.layers
        wanted = {"registration_hash": [row.registration_hash for _, row in valid]}
        wanted |= {layer: [getattr(row, layer) for _, row in valid] for layer in checked}
        matches = hash_matches(connection, wanted) if valid else []
        registered = {m.registration_hash: m.compound_id for m in matches}
        before = [m for m in matches if m.compound_id not in self.inserted]
        holders = _holders(before, checked)
        fresh: list[tuple[int, CompoundRow]] = []
        refused: list[tuple[int, str]] = []
        for index, row in valid:
            reason = self._reason(row, registered, holders, checked)
            if reason:
                refused.append((index, reason))
                continue
            self.structures[row.registration_hash] = index
            for layer in checked:
                self.layers[layer].setdefault(getattr(row, layer), index)
            fresh.append((index, row))
        return fresh, refused

    def _reason(
        self,
        row: CompoundRow,
        registered: dict[str, int],
        holders: dict[str, dict[str, list[int]]],
        checked: tuple[str, ...],
    ) -> str:
        earlier = self.structures.get(row.registration_hash)
        if earlier is not None:
            return f"same structure as input {earlier + 1}"
        if row.registration_hash in registered:
            return f"already registered as {format_registry_id(registered[row.registration_hash])}"
        relations = _relations(row, checked, holders)
        if relations:
            return refusal([(r, [format_registry_id(i) for i in ids]) for r, ids in relations])
        inputs = [
            (RELATED_LAYERS[layer], [f"input {self.layers[layer][getattr(row, layer)] + 1}"])
            for layer in checked
            if getattr(row, layer) in self.layers[layer]
        ]
        return refusal(inputs) if inputs else ""

    def taken(self, ids: Iterable[int]) -> None:
        """Record the ids the rows :meth:`sort` let through were inserted with."""
        self.inserted.update(ids)
