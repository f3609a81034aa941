"""Descriptors and rule checks with RDKit, for one structure or a batch across all cores.

The default profile is what a chemist reads first (molecular weight, exact mass, formula, Crippen
logP and MR, TPSA, H-bond donors and acceptors, rotatable bonds, rings, aromatic rings, heavy
atoms, fraction sp3, formal charge, QED); :func:`full` gives RDKit's whole set
(``Descriptors.CalcMolDescriptors``). Both are computed on the standardised parent by default
(``on="submitted"`` measures the structure as given, counter-ions included), and each result
carries the RDKit version that computed it.

>>> d = profile("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl")
>>> d["formula"], round(d["molecular_weight"], 2), round(d["exact_mass"], 4)
('C15H22N2O', 246.35, 246.1732)
>>> profile("CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl", on="submitted")["formula"]
'C15H23ClN2O'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from typing import Literal, TypeVar

from rdkit import Chem
from rdkit.Chem import QED, rdMolDescriptors
from rdkit.Chem import Descriptors as RDDescriptors

from registry.chem.hashing import formula
from registry.chem.qed import crippen_logp, mol_wt, qed_value
from registry.chem.standardisation import standardise
from registry.chem.structures import Structure, capture_rdkit_log, parse, rdkit_version
from registry.chem.workers import available_cpus, process_pool
from registry.descriptor_models import (
    Descriptor,
    DescriptorRow,
    DescriptorRows,
    Descriptors,
    DescriptorValue,
    RuleCheck,
    RuleCriterion,
)
from registry.errors import RegistryError
from registry.frames import FrameLibrary, chosen, is_missing
from registry.progress import Progress, ProgressOption, reporting

__all__ = [
    "DEFAULT_PROFILE",
    "EMPTY",
    "MIN_PARALLEL",
    "On",
    "available_cpus",
    "batch",
    "default_values",
    "full",
    "profile",
    "rule_checks",
]

On = Literal["parent", "submitted"]
_T = TypeVar("_T")


def _molar_refractivity(mol: Chem.Mol) -> float:
    # Wildman-Crippen molar refractivity, as Crippen.MolMR.
    return float(rdMolDescriptors.CalcCrippenDescriptors(mol)[1])


# name -> (unit, function of the molecule). Names are stable: the store keeps them.
DEFAULT_PROFILE: dict[str, tuple[str | None, Callable[[Chem.Mol], DescriptorValue]]] = {
    "molecular_weight": ("g/mol", mol_wt),
    "exact_mass": ("Da", rdMolDescriptors.CalcExactMolWt),
    "formula": (None, formula),
    "logp": (None, crippen_logp),
    "molar_refractivity": ("cm³/mol", _molar_refractivity),
    "tpsa": ("Å²", rdMolDescriptors.CalcTPSA),
    "hbd": (None, rdMolDescriptors.CalcNumHBD),
    "hba": (None, rdMolDescriptors.CalcNumHBA),
    "rotatable_bonds": (None, rdMolDescriptors.CalcNumRotatableBonds),
    "rings": (None, rdMolDescriptors.CalcNumRings),
    "aromatic_rings": (None, rdMolDescriptors.CalcNumAromaticRings),
    "heavy_atoms": (None, Chem.Mol.GetNumHeavyAtoms),
    "fraction_sp3": (None, rdMolDescriptors.CalcFractionCSP3),
    "formal_charge": (None, Chem.GetFormalCharge),
    "qed": (None, QED.qed),
}

# Units of the full RDKit set where a descriptor has one.
_FULL_UNITS: dict[str, str] = {
    "MolWt": "g/mol",
    "HeavyAtomMolWt": "g/mol",
    "ExactMolWt": "Da",
    "TPSA": "Å²",
    "LabuteASA": "Å²",
    "MolMR": "cm³/mol",
}

#: Below this many structures a batch runs in this process: starting a pool and collecting its
#: results costs more than it saves on a smaller batch (docs/performance.md has the figures).
MIN_PARALLEL = 200


def _target(value: Structure, on: On) -> Chem.Mol:
    return _settled_target(value, on)[0]


def _settled_target(value: Structure, on: On) -> tuple[Chem.Mol, bool]:
    if on == "parent":
        std = standardise(value)
        return std.parent, std.parent_settled
    if on == "submitted":
        return parse(value), False
    raise ValueError(f"on must be 'parent' or 'submitted', not {on!r}")


def _compute(name: str, function: Callable[[Chem.Mol], _T], mol: Chem.Mol) -> _T | None:
    try:
        value = function(mol)
    except Exception:  # one descriptor failing (e.g. QED on odd valences) must not sink the rest
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def default_values(
    mol: Chem.Mol, *, settled: bool = False, numeric_only: bool = False
) -> dict[str, DescriptorValue]:
    """The default profile's values (``None`` where RDKit fails), by name, in profile order.

    Exactly ``{name: function(mol)}`` over :data:`DEFAULT_PROFILE`, computed once each: the
    Crippen contributions once for logP and MR, and, for a ``settled`` molecule (a parent
    with ``Standardised.parent_settled``), QED from the profile's own values
    (:func:`registry.chem.qed.qed_value`). ``numeric_only`` leaves out the formula (text), for
    callers that keep numbers only. ``tests/test_fast_paths.py`` checks them against the plain
    calls.
    """
    values: dict[str, DescriptorValue] = {}
    crippen = _compute("crippen", rdMolDescriptors.CalcCrippenDescriptors, mol)
    for name, (_unit, function) in DEFAULT_PROFILE.items():
        if name in ("logp", "molar_refractivity") and crippen is not None:
            value = crippen[0] if name == "logp" else crippen[1]
            values[name] = float(value) if math.isfinite(value) else None
        elif name == "formula" and numeric_only:
            continue
        elif name == "qed":
            values[name] = _compute("qed", partial(qed_value, known=values, settled=settled), mol)
        else:
            values[name] = _compute(name, function, mol)
    return values


def _profile_of(mol: Chem.Mol, on: On, rules: bool, settled: bool = False) -> Descriptors:
    with capture_rdkit_log():  # QED's RemoveHs warns about lone hydrogens ([H+]) on stderr
        known = default_values(mol, settled=settled)
    values = tuple(
        Descriptor(name, known[name], unit) for name, (unit, _function) in DEFAULT_PROFILE.items()
    )
    return Descriptors(
        values=values,
        rdkit_version=rdkit_version(),
        on=on,
        smiles=Chem.MolToSmiles(mol),
        rules=_rules_of(mol, known) if rules else (),
    )


def _full_of(mol: Chem.Mol, on: On, rules: bool) -> Descriptors:
    # some descriptors log warnings (e.g. missing Gasteiger parameters): keep them off stderr
    with capture_rdkit_log():
        computed: dict[str, DescriptorValue] = RDDescriptors.CalcMolDescriptors(  # type: ignore[no-untyped-call]
            mol, missingVal=None, silent=True
        )
    values = tuple(
        Descriptor(
            name,
            None if isinstance(value, float) and not math.isfinite(value) else value,
            _FULL_UNITS.get(name),
        )
        for name, value in computed.items()
    )
    return Descriptors(
        values=values,
        rdkit_version=rdkit_version(),
        on=on,
        smiles=Chem.MolToSmiles(mol),
        rules=_rules_of(mol) if rules else (),
    )


def profile(value: Structure, *, on: On = "parent", rules: bool = True) -> Descriptors:
    """The default descriptor profile of a structure, with Lipinski and Veber checks.

    Args:
        value: SMILES, InChI, Molfile or RDKit ``Mol``.
        on: ``"parent"`` (standardised parent, the default) or ``"submitted"`` (as given).
        rules: also run :func:`rule_checks` (``Descriptors.rules``).

    Raises:
        InvalidStructure: RDKit cannot read the structure.
    """
    mol, settled = _settled_target(value, on)
    return _profile_of(mol, on, rules, settled)


def full(value: Structure, *, on: On = "parent", rules: bool = True) -> Descriptors:
    """RDKit's whole descriptor set (``Descriptors.CalcMolDescriptors``; 217 in 2026.09).

    A descriptor RDKit cannot compute for this structure has the value ``None``.
    """
    return _full_of(_target(value, on), on, rules)


def _criterion(name: str, value: float, limit: float) -> RuleCriterion:
    return RuleCriterion(name=name, value=value, limit=limit, passed=value <= limit)


def _rules_of(
    mol: Chem.Mol, known: dict[str, DescriptorValue] | None = None
) -> tuple[RuleCheck, ...]:
    known = known or {}

    def value(name: str, function: Callable[[Chem.Mol], float]) -> float:
        # reuse what the profile already computed; the functions are the same
        cached = known.get(name)
        return float(cached if isinstance(cached, int | float) else function(mol))

    # Lipinski et al. 1997 count donors as OH + NH and acceptors as N + O, not RDKit's
    # pharmacophore-based HBD/HBA, so the criteria say which count they use.
    lipinski = (
        _criterion("molecular_weight", value("molecular_weight", mol_wt), 500),
        _criterion("logp", value("logp", crippen_logp), 5),
        _criterion("nh_oh_count", rdMolDescriptors.CalcNumLipinskiHBD(mol), 5),
        _criterion("n_o_count", rdMolDescriptors.CalcNumLipinskiHBA(mol), 10),
    )
    # Veber et al. 2002: good oral bioavailability in rats needs both.
    veber = (
        _criterion(
            "rotatable_bonds",
            value("rotatable_bonds", rdMolDescriptors.CalcNumRotatableBonds),
            10,
        ),
        _criterion("tpsa", value("tpsa", rdMolDescriptors.CalcTPSA), 140),
    )
    return (
        RuleCheck(
            name="lipinski",
            passed=sum(not c.passed for c in lipinski) <= 1,
            criteria=lipinski,
            allowed_failures=1,
        ),
        RuleCheck(name="veber", passed=all(c.passed for c in veber), criteria=veber),
    )


def rule_checks(value: Structure, *, on: On = "parent") -> tuple[RuleCheck, ...]:
    """Lipinski's rule of five (at most one criterion may fail) and Veber's rules (none may).

    >>> lipinski, veber = rule_checks("CCN(CC)C(=O)C1(CC1CN)c1ccccc1")
    >>> lipinski.passed, veber.passed
    (True, True)
    >>> print(rule_checks("CC(C)C[C@H](NC(=O)[C@@H](Cc1ccccc1)NC(=O)c1cnccn1)B(O)O")[1].summary())
    pass
    """
    return _rules_of(_target(value, on))


# --- batch ------------------------------------------------------------------------------------


EMPTY = "empty: no structure given"
"""The error of a batch row whose input is missing (None, NaN, NA, null) or blank text."""


def _one(index: int, value: object, name: str, on: On, all_descriptors: bool) -> DescriptorRow:
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return DescriptorRow(index=index, input="", error=EMPTY, name=name)
    text = value if isinstance(value, str) else _text_of(value)
    try:
        if not isinstance(value, str | Chem.Mol):
            raise TypeError(f"not a structure: {type(value).__name__}")
        mol, settled = _settled_target(value, on)
        result = _full_of(mol, on, True) if all_descriptors else _profile_of(mol, on, True, settled)
    except RegistryError as error:
        return DescriptorRow(index=index, input=text, error=str(error), name=name)
    except Exception as error:  # an RDKit failure on one structure must not stop the batch
        return DescriptorRow(
            index=index, input=text, error=f"{type(error).__name__}: {error}", name=name
        )
    return DescriptorRow(index=index, input=text, descriptors=result, name=name)


def _text_of(value: object) -> str:
    """What a batch row shows as its input: a Mol's SMILES, else the value's text."""
    if isinstance(value, Chem.Mol):
        return str(Chem.MolToSmiles(value))
    try:
        return str(value)
    except Exception:  # a hostile __str__: the row still says what it was given
        return f"<{type(value).__name__}>"


def _chunk(
    items: Sequence[tuple[int, object, str]], on: On, all_descriptors: bool
) -> list[DescriptorRow]:
    return [_one(index, value, name, on, all_descriptors) for index, value, name in items]


def batch(
    values: Iterable[object],
    *,
    names: Iterable[object] | None = None,
    on: On = "parent",
    all_descriptors: bool = False,
    workers: int | None = None,
    min_parallel: int = MIN_PARALLEL,
    progress: ProgressOption = None,
    frame: FrameLibrary | None = None,
) -> DescriptorRows:
    """Descriptors for many structures, in input order, one row per input.

    A structure that cannot be read gets a row with ``error`` set; the batch goes on. A missing
    value (None, NaN, pandas' NA, polars' null) or blank text gets a row of status ``empty``.
    A process pool is started only when there are at least ``min_parallel`` structures and
    more than one worker; otherwise everything runs here.

    Args:
        values: structures (SMILES, InChI, Molfile text or ``Mol``): a list, or a pandas or
            polars Series.
        names: a label per structure (carried into ``DescriptorRow.name``).
        on: ``"parent"`` or ``"submitted"``.
        all_descriptors: RDKit's full set instead of the default profile.
        workers: processes to use (default: every available CPU).
        min_parallel: smallest batch worth a process pool.
        progress: True for a progress bar, or called as ``progress(done, total)`` after each
            finished chunk.
        frame: the library of the rows' ``to_frame()`` (default: the input's; polars for a
            list).

    >>> rows = batch(["CCO", "C1CC", None, "c1ccccc1O"])
    >>> [(r.index, r.status) for r in rows]
    [(0, 'ok'), (1, 'error'), (2, 'empty'), (3, 'ok')]
    >>> rows.to_polars().select("input", "status", "formula").row(3)
    ('c1ccccc1O', 'ok', 'C6H6O')

    A str or bytes for ``values`` or ``names`` is a TypeError (one value, not a sequence).
    """
    if isinstance(values, str | bytes | bytearray | memoryview):
        raise TypeError(
            f"values must be a sequence of structures, not {type(values).__name__}: "
            "describe one structure with profile() or full()"
        )
    if isinstance(names, str | bytes | bytearray | memoryview):
        raise TypeError(f"names must be a sequence of str, not {type(names).__name__}")
    library = chosen(frame, values)
    items = _listed(values)
    labels = (
        [""] * len(items)
        if names is None
        else ["" if is_missing(name) else str(name) for name in _listed(names)]
    )
    if len(labels) != len(items):
        raise ValueError(f"{len(labels)} names for {len(items)} structures")
    if on not in ("parent", "submitted"):
        raise ValueError(f"on must be 'parent' or 'submitted', not {on!r}")
    jobs = [(i, value, labels[i]) for i, value in enumerate(items)]
    with reporting(progress, len(jobs), "descriptors", unit="structure") as step:
        return DescriptorRows(_run(jobs, on, all_descriptors, workers, min_parallel, step), library)


def _listed(values: Iterable[object]) -> list[object]:
    """A list, pandas or polars Series as a list (a Series through its own conversion)."""
    tolist = getattr(values, "to_list", None) or getattr(values, "tolist", None)
    return list(tolist()) if callable(tolist) else list(values)


def _run(
    jobs: list[tuple[int, object, str]],
    on: On,
    all_descriptors: bool,
    workers: int | None,
    min_parallel: int,
    progress: Progress,
) -> list[DescriptorRow]:
    total = len(jobs)
    workers = max(1, workers if workers is not None else available_cpus())
    if workers == 1 or total < max(min_parallel, 2):
        rows: list[DescriptorRow] = []
        step = max(1, total // 100)
        for start in range(0, total, step):
            rows.extend(_chunk(jobs[start : start + step], on, all_descriptors))
            progress(len(rows), total)
        return rows
    # Chunks small enough for a smooth progress bar and an even finish across workers, large
    # enough that sending a task costs little next to the work it carries.
    size = max(1, min(25, total // (workers * 8)))
    chunks = [jobs[start : start + size] for start in range(0, total, size)]
    results: list[DescriptorRow | None] = [None] * total
    done = 0
    with process_pool(workers) as pool:
        pending: set[Future[list[DescriptorRow]]] = {
            pool.submit(_chunk, chunk, on, all_descriptors) for chunk in chunks
        }
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                for row in future.result():
                    results[row.index] = row
                    done += 1
            progress(done, total)
    return [row for row in results if row is not None]
