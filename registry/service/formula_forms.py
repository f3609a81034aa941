"""Whether two molecular formulas are one substance in different forms: a salt, a hydrate or
solvate, an ion or another protonation state of the same parent.

Lists give a CAS number's formula as registered (``C16H15Cl2N3O``, chlordiazepoxide
hydrochloride); PubChem, and so the offline index, often gives the parent compound's
(``C16H14ClN3O``). Such a difference is no sign of a wrong number, and a cross-check must say
so rather than call it a mismatch. :func:`relation` tells ``same``, ``form`` and ``different``
apart by element counts alone:

- charges and isotope labels (``[226Ra]``) are set aside, and up to four hydrogens
  (protonation: ``C12H12N2`` against ``C12H12N2+2`` is ``same``, ``C6H9N3O2`` against
  ``C6H5N2O2-``, an ammonium salt, is ``form``);
- one formula (the salt) may hold 1 to 3 of the other (the parent: sulfates 2:1,
  streptomycin sulfate 2:3) and counter-ions and solvents: metals that replace hydrogen
  (sodium, potassium, calcium, ...), and acids, water, ammonia and solvents, element by
  element (:data:`ADDITIONS`).

A difference no addition explains (``C2H6``: stanozolol against another steroid) is
``different``; so is a salt against a salt of other stoichiometry (ergotamine tartrate 2:1
against 1:1), which this cannot tell from a wrong substance.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

__all__ = ["ADDITIONS", "parse_formula", "relation"]

# Metals that take the place of hydrogen in salts (sodium saccharin, calcium salts), with the
# hydrogens each replaces.
_SALT_METALS = {
    **dict.fromkeys(("Li", "Na", "K", "Rb", "Cs", "Ag"), 1),
    **dict.fromkeys(("Mg", "Ca", "Sr", "Ba", "Zn", "Cu", "Fe", "Co"), 2),
    "Al": 3,
}
_PROTONS = 4  # hydrogens a charge or protonation state may add or take beyond the additions

ADDITIONS: dict[str, Counter[str]] = {
    name: Counter(elements)
    for name, elements in {
        "water": {"H": 2, "O": 1},
        "ammonia": {"H": 3, "N": 1},
        "hydrochloride": {"H": 1, "Cl": 1},
        "hydrobromide": {"H": 1, "Br": 1},
        "hydroiodide": {"H": 1, "I": 1},
        "hydrofluoride": {"H": 1, "F": 1},
        "sulfate": {"H": 2, "S": 1, "O": 4},
        "phosphate": {"H": 3, "P": 1, "O": 4},
        "nitrate": {"H": 1, "N": 1, "O": 3},
        "mesylate": {"C": 1, "H": 4, "S": 1, "O": 3},
        "acetate": {"C": 2, "H": 4, "O": 2},
        "oxalate": {"C": 2, "H": 2, "O": 4},
        "ethanol": {"C": 2, "H": 6, "O": 1},
        "maleate": {"C": 4, "H": 4, "O": 4},
        "tartrate": {"C": 4, "H": 6, "O": 6},
        "citrate": {"C": 6, "H": 8, "O": 7},
        "tosylate": {"C": 7, "H": 8, "S": 1, "O": 3},
    }.items()
}
"""What a salt or solvate adds to its parent (as the neutral acid, base or solvent)."""

_GROUP = re.compile(r"\(([^()]*)\)(\d*)")
_ATOM = re.compile(r"\[(\d+)([A-Z][a-z]?)\]|([A-Z][a-z]?)")
_CHARGE = re.compile(r"[+-]+\d*$")  # PubChem writes the sign first: C12H12N2+2
_TOKEN = re.compile(r"\[\d+[A-Z][a-z]?\](\d*)|([A-Z][a-z]?)(\d*)")


def parse_formula(text: str) -> Counter[str] | None:
    """Element counts of a formula (``C17H19NO3.HCl``, ``(C21H39N7O12)2·3H2SO4``,
    ``C12H12N2+2``, ``[226Ra]``), charge and isotope labels aside; None when it is not one.

    >>> sorted(parse_formula("(C2H5)2O·H2O").items())
    [('C', 4), ('H', 12), ('O', 2)]
    """
    text = re.sub(r"\s+", "", text)
    text = _CHARGE.sub("", text) if not text.endswith("]") else text
    if not text:
        return None
    total: Counter[str] = Counter()
    for part in re.split(r"[.·•*]", text):
        match = re.match(r"^(\d*)(.*)$", part)
        assert match is not None  # the pattern matches any text
        times, body = int(match.group(1) or 1), match.group(2)
        counts = _parse_part(body)
        if counts is None:
            return None
        for element, count in counts.items():
            total[element] += count * times
    return total or None


def _parse_part(body: str) -> Counter[str] | None:
    while (group := _GROUP.search(body)) is not None:
        inner = _parse_part(group.group(1))
        if inner is None:
            return None
        times = int(group.group(2) or 1)
        body = (
            body[: group.start()]
            + "".join(f"{element}{count * times}" for element, count in inner.items())
            + body[group.end() :]
        )
    counts: Counter[str] = Counter()
    position = 0
    for token in _TOKEN.finditer(body):
        if token.start() != position:
            return None
        position = token.end()
        if token.group(2) is not None:
            counts[token.group(2)] += int(token.group(3) or 1)
        else:  # an isotope: [226Ra] counts as Ra
            element = re.sub(r"[\[\]\d]", "", token.group(0)[: token.group(0).index("]") + 1])
            counts[element] += int(token.group(1) or 1)
    if position != len(body) or not counts:
        return None
    return counts


def relation(given: str, theirs: str) -> str:
    """``same`` (one formula, charge and isotope labels aside), ``form`` (a salt, hydrate,
    solvate, ion or protonation state of the other: see the module's docstring) or
    ``different`` (also when either is no formula).

    >>> relation("C16H15Cl2N3O", "C16H14ClN3O"), relation("C12H12N2", "C12H12N2+2")
    ('form', 'same')
    >>> relation("C23H38N2O", "C21H32N2O"), relation("C46H58Cl2N4O18", "C22H24N2O8")
    ('different', 'form')
    """
    return _relation(re.sub(r"\s+", "", given), re.sub(r"\s+", "", theirs))


@lru_cache(maxsize=4096)
def _relation(given: str, theirs: str) -> str:
    mine, other = parse_formula(given), parse_formula(theirs)
    if mine is None or other is None:
        return "different"
    if _heavy(mine) == _heavy(other) and abs(mine["H"] - other["H"]) <= _PROTONS:
        return "same"
    # One of them is the salt: one unit of it holds 1 to 3 of the other (the parent) and
    # counter-ions or solvents.
    for salt, parent in ((mine, other), (other, mine)):
        for times in (1, 2, 3):
            elements = salt.keys() | parent.keys()
            if _explained(Counter({e: salt[e] - parent[e] * times for e in elements})):
                return "form"
    return "different"


def _heavy(counts: Counter[str]) -> dict[str, int]:
    return {element: count for element, count in counts.items() if element != "H" and count}


def _explained(difference: Counter[str]) -> bool:
    """Whether ``difference`` is salt metals (each in place of its hydrogens) plus
    :data:`ADDITIONS`, give or take :data:`_PROTONS` hydrogens."""
    if any(difference[metal] < 0 for metal in _SALT_METALS):
        return False
    hydrogens = difference["H"] + sum(
        difference[metal] * valence for metal, valence in _SALT_METALS.items()
    )
    rest = {
        element: count
        for element, count in difference.items()
        if element != "H" and element not in _SALT_METALS and count
    }
    return _sums_of_additions(tuple(sorted(rest.items())), hydrogens)


@lru_cache(maxsize=4096)
def _sums_of_additions(rest: tuple[tuple[str, int], ...], hydrogens: int) -> bool:
    """Whether the element counts ``rest`` are a sum of :data:`ADDITIONS` (with repeats)
    whose hydrogens are ``hydrogens``, give or take :data:`_PROTONS`."""
    counts = dict(rest)
    if any(count < 0 for count in counts.values()):
        return False
    if not any(counts.values()):
        return abs(hydrogens) <= _PROTONS
    # Take the element that fewest additions hold first: a short search.
    element = min(
        (e for e, c in counts.items() if c),
        key=lambda e: sum(e in unit for unit in ADDITIONS.values()),
    )
    for unit in ADDITIONS.values():
        if unit[element]:
            left = {e: counts.get(e, 0) - unit[e] for e in counts.keys() | unit.keys() - {"H"}}
            if _sums_of_additions(tuple(sorted(left.items())), hydrogens - unit["H"]):
                return True
    return False
