"""Computed descriptors as plain dataclasses: one value, a compound's set, a batch row.

Standard library only, like :mod:`registry.models` (which re-exports these names);
:class:`DescriptorRows` builds its frames through :mod:`registry.frames`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from registry.frames import FrameLibrary, Tabular

DescriptorValue = float | int | str | None


@dataclass(frozen=True, slots=True)
class Descriptor:
    """One computed property: its name, value and unit (``None`` when it has none).

    ``value`` is ``None`` when RDKit could not compute it for this structure.
    """

    name: str
    value: DescriptorValue
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class RuleCriterion:
    """One criterion of a rule check, e.g. ``molecular_weight <= 500``."""

    name: str
    value: float
    limit: float
    passed: bool

    def __str__(self) -> str:
        return f"{self.name} {self.value:g} > {self.limit:g}"


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """A rule of thumb such as Lipinski's rule of five or Veber's rules, applied to a structure.

    ``passed`` is true when at most ``allowed_failures`` criteria fail (Lipinski tolerates one).
    """

    name: str
    passed: bool
    criteria: tuple[RuleCriterion, ...]
    allowed_failures: int = 0

    @property
    def failed(self) -> tuple[RuleCriterion, ...]:
        """The criteria that failed, each with its value and limit."""
        return tuple(c for c in self.criteria if not c.passed)

    def summary(self) -> str:
        """``'pass'``, or ``'fail: name value > limit, ...'`` (also lists tolerated failures)."""
        failed = ", ".join(str(c) for c in self.failed)
        if self.passed:
            return f"pass ({failed} tolerated)" if failed else "pass"
        return f"fail: {failed}"


@dataclass(frozen=True, slots=True)
class Descriptors:
    """Descriptors of one structure with the toolkit version that computed them.

    Attributes:
        values: every descriptor in profile order.
        rdkit_version: the RDKit version that computed them.
        on: ``"parent"`` or ``"submitted"``: which form of the structure was measured.
        smiles: canonical SMILES of the structure measured.
        rules: rule checks (Lipinski, Veber) on that structure.
    """

    values: tuple[Descriptor, ...]
    rdkit_version: str
    on: str = "parent"
    smiles: str = ""
    rules: tuple[RuleCheck, ...] = ()

    def __getitem__(self, name: str) -> DescriptorValue:
        for descriptor in self.values:
            if descriptor.name == name:
                return descriptor.value
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(d.name == name for d in self.values)

    def __len__(self) -> int:
        return len(self.values)

    def as_dict(self) -> dict[str, DescriptorValue]:
        """``{name: value}`` in profile order."""
        return {d.name: d.value for d in self.values}

    def units(self) -> dict[str, str | None]:
        """``{name: unit}`` in profile order."""
        return {d.name: d.unit for d in self.values}

    def __reduce__(self) -> tuple[Any, ...]:
        # Batches send results between processes: three flat tuples pickle in one pass, where
        # hundreds of slotted dataclass instances would each go through Python-level hooks.
        return (
            _rebuild_descriptors,
            (
                tuple(d.name for d in self.values),
                tuple(d.value for d in self.values),
                tuple(d.unit for d in self.values),
                self.rdkit_version,
                self.on,
                self.smiles,
                tuple(_flat_rule(rule) for rule in self.rules),
            ),
        )


_FlatRule = tuple[str, bool, int, tuple[tuple[str, float, float, bool], ...]]


def _flat_rule(rule: RuleCheck) -> _FlatRule:
    return (
        rule.name,
        rule.passed,
        rule.allowed_failures,
        tuple((c.name, c.value, c.limit, c.passed) for c in rule.criteria),
    )


def _rebuild_descriptors(
    names: tuple[str, ...],
    values: tuple[DescriptorValue, ...],
    units: tuple[str | None, ...],
    rdkit_version: str,
    on: str,
    smiles: str,
    rules: tuple[_FlatRule, ...],
) -> Descriptors:
    return Descriptors(
        values=tuple(map(Descriptor, names, values, units)),
        rdkit_version=rdkit_version,
        on=on,
        smiles=smiles,
        rules=tuple(
            RuleCheck(
                name=name,
                passed=passed,
                criteria=tuple(RuleCriterion(*c) for c in criteria),
                allowed_failures=allowed,
            )
            for name, passed, allowed, criteria in rules
        ),
    )


@dataclass(frozen=True, slots=True)
class DescriptorRow:
    """One input of a batch: its position, the text given, and descriptors or the error."""

    index: int
    input: str
    descriptors: Descriptors | None = None
    error: str | None = None
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> str:
        """``ok``, ``empty`` (no structure given: None, NaN, NA, null or blank) or ``error``."""
        if self.error is None:
            return "ok"
        return "empty" if not self.input.strip() else "error"


class DescriptorRows(Tabular, list[DescriptorRow]):
    """The rows of a batch in input order; ``to_frame()`` gives one row per input: ``input``,
    ``name``, ``status``, ``error``, ``smiles`` (measured), ``on``, ``rdkit_version``, one
    column per descriptor, ``lipinski`` and ``veber`` (passed), then any ``extra`` fields."""

    def __init__(self, rows: Iterable[DescriptorRow] = (), frame: FrameLibrary = "polars"):
        super().__init__(rows)
        self.library = frame

    @property
    def frame_library(self) -> FrameLibrary:
        return self.library

    def frame_columns(self) -> dict[str, list[Any]]:
        head = ("input", "name", "status", "error", "smiles", "on", "rdkit_version")
        names = dict.fromkeys(n for r in self if r.descriptors for n in r.descriptors.as_dict())
        extra = dict.fromkeys(key for r in self for key in r.extra)
        columns: dict[str, list[Any]] = {key: [] for key in (*head, *names, "lipinski", "veber")}
        columns.update({key: [] for key in extra if key not in columns})
        for row in self:
            d = row.descriptors
            values = d.as_dict() if d else {}
            rules = {rule.name: rule.passed for rule in d.rules} if d else {}
            cells = (row.input, row.name, row.status, row.error, d and d.smiles, d and d.on,
                     d and d.rdkit_version)  # fmt: skip
            for key, cell in zip(head, cells, strict=True):
                columns[key].append(cell)
            for key in (*names, "lipinski", "veber"):
                columns[key].append(values.get(key, rules.get(key)))
            for key in extra:
                if key not in names and key not in head:
                    columns[key].append(row.extra.get(key))
        return columns
