"""Measured values as PubChem's sources write them, read into number, unit and conditions.

PUG-View gives experimental properties as text from many sources (``"176 °F (NTP, 1992)"``,
``"80.00 to 81.00 °C. @ 760.00 mm Hg"``, ``"Solubility in water, g/100ml at 25 °C: 0.18"``,
``"In water, 1.79X10+3 mg/L at 25 °C"``). :func:`read_measurement` reads the value, the upper
end of a range, the unit in one spelling and the rest as conditions; a text it cannot read with
confidence (no number first, a unit the property cannot have) keeps ``value`` None and is
kept as text by the caller, never dropped.

What each property may be measured in is written once, as data: :data:`DIMENSIONS` (which
units each heading accepts) and :data:`UNITS` (the spellings of each unit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DIMENSIONS", "UNITS", "Measurement", "read_measurement"]

#: Each unit's spellings in PubChem's sources (matched case-sensitively, longest first).
UNITS: dict[str, tuple[str, ...]] = {
    "°C": ("°C", "° C", "deg C", "degC", "ºC", "℃"),
    "°F": ("°F", "° F", "deg F", "ºF", "℉"),
    "K": ("K",),
    "mmHg": ("mm Hg", "mmHg", "[mmHg]", "mm mercury", "torr", "Torr"),
    "kPa": ("kPa", "[kPa]"),
    "Pa": ("Pa", "[Pa]"),
    "hPa": ("hPa", "mbar"),
    "atm": ("atm",),
    "bar": ("bar",),
    "psi": ("psi",),
    "g/cm3": ("g/cm³", "g/cm3", "g/cu cm", "g/cu.cm", "g/cc", "g/mL", "g/ml"),
    "kg/m3": ("kg/m³", "kg/m3", "kg/cu m"),
    "g/L": ("g/L", "g/l"),
    "mg/mL": ("mg/mL", "mg/ml"),
    "mg/L": ("mg/L", "mg/l"),
    "µg/mL": ("µg/mL", "ug/mL", "μg/mL"),
    "g/100 mL": ("g/100ml", "g/100 ml", "g/100 mL", "g/100mL"),
    "g/100 g": ("g/100 g", "g/100g"),
    "mol/L": ("mol/L", "mol/l", "M"),
    "mmol/L": ("mmol/L", "mM"),
    "%": ("%", "wt%", "% w/w"),
    "ppm": ("ppm",),
}

#: The units each PUG-View heading accepts; ``""`` means a bare number is complete (LogP, pKa;
#: a density without a unit is a relative density, water = 1, as CAMEO and ICSC give it).
DIMENSIONS: dict[str, frozenset[str]] = {
    "Melting Point": frozenset({"°C", "°F", "K"}),
    "Boiling Point": frozenset({"°C", "°F", "K"}),
    "Flash Point": frozenset({"°C", "°F", "K"}),
    "Autoignition Temperature": frozenset({"°C", "°F", "K"}),
    "Density": frozenset({"g/cm3", "kg/m3", "g/L", ""}),
    "Vapor Density": frozenset({""}),
    "Solubility": frozenset(
        {"g/L", "mg/mL", "mg/L", "µg/mL", "g/100 mL", "g/100 g", "mol/L", "mmol/L", "%", "ppm"}
    ),
    "Vapor Pressure": frozenset({"mmHg", "kPa", "Pa", "hPa", "atm", "bar", "psi"}),
    "LogP": frozenset({""}),
    "Dissociation Constants": frozenset({""}),
    "Refractive Index": frozenset({""}),
}

_NUMBER = (
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
    r"(?:\s*[xX]\s*10\s*\^?\s*[-+]?\d+|[eE][-+]?\d+)?"  # 1.79X10+3, 1.5e-3
)
_SPELLINGS = sorted(
    ((s, u) for u, spellings in UNITS.items() for s in spellings), key=lambda x: -len(x[0])
)
_UNIT_OF = dict(_SPELLINGS)
_UNIT = "|".join(re.escape(s) for s, _ in _SPELLINGS)
# A value first: number, optional range, optional unit (a unit must end at a word boundary).
_VALUE = re.compile(
    rf"^(?P<num>{_NUMBER})(?:\s*(?:to|-)\s*(?P<hi>{_NUMBER}))?\s*"
    rf"(?P<unit>(?:{_UNIT})(?![A-Za-z]))?(?P<rest>.*)$",
    re.DOTALL,
)
# "Solubility in water, g/100ml at 25 °C: 0.18"; "Vapor pressure, kPa at 20 °C: 10".
_LABEL_UNIT_VALUE = re.compile(
    rf"^(?P<label>[^,:]+),\s*(?P<unit>{_UNIT})\s*(?P<cond>(?:at|@)[^:]*)?:\s*(?P<num>{_NUMBER})\s*$"
)
# "Relative density (water = 1): 0.88"; "FP: -55 °C"; "log Kow = 2.13"; "pKa = 9.2".
_LABEL = re.compile(
    r"^(?P<label>[A-Za-z](?:[^:=()]|\([^)]*\)){0,60}?)\s*[:=]\s*(?P<rest>[-+]?\d.*)$", re.DOTALL
)
# "In water, 1.79X10+3 mg/L at 25 °C".
_SOLVENT = re.compile(r"^(?P<label>In [A-Za-z][\w ,-]{0,40}?),\s*(?P<rest>[-+]?\d.*)$", re.DOTALL)
_EXPONENT = re.compile(r"\s*[xX]\s*10\s*\^?\s*([-+]?\d+)$")


@dataclass(frozen=True, slots=True)
class Measurement:
    """A text read: its number (None when unreadable), range end, unit and conditions."""

    value: float | None
    upper: float | None = None
    unit: str = ""
    conditions: str = ""


def _number(text: str) -> float:
    text = text.replace(",", "")
    exponent = _EXPONENT.search(text)
    if exponent:
        return float(text[: exponent.start()]) * 10.0 ** int(exponent.group(1))
    return float(text)


def _tidy(text: str) -> str:
    """Conditions without the leading punctuation a value leaves behind (``". @ 760 mm"``)."""
    return re.sub(r"\s+", " ", text).strip().lstrip(".,;").strip()


# Minus signs, en and em dashes read as hyphens, the multiplication sign as "x".
_PLAIN = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "x", "\u00a0": " "})


def _normalised(text: str) -> str:
    # "68° F" and "64°F" are one unit.
    return re.sub(r"°\s+([CF])\b", r"°\1", text.translate(_PLAIN)).strip()


def read_measurement(heading: str, text: str) -> Measurement:
    """Read one value of an experimental property.

    Args:
        heading: the PUG-View heading (``"Melting Point"``); :data:`DIMENSIONS` says which
            units it accepts. A heading not listed accepts any known unit or none.
        text: the value as written.

    >>> read_measurement("Boiling Point", "176 °F (NTP, 1992)")
    Measurement(value=176.0, upper=None, unit='°F', conditions='(NTP, 1992)')
    >>> read_measurement("Density", "1.9 g/cm3 at 20 °C")
    Measurement(value=1.9, upper=None, unit='g/cm3', conditions='at 20 °C')
    >>> read_measurement("Boiling Point", "80.00 to 81.00 °C. @ 760.00 mm Hg")
    Measurement(value=80.0, upper=81.0, unit='°C', conditions='@ 760.00 mm Hg')
    >>> read_measurement("Solubility", "In water, 1.79X10+3 mg/L at 25 °C")
    Measurement(value=1790.0, upper=None, unit='mg/L', conditions='In water; at 25 °C')
    >>> read_measurement("Solubility", "Miscible with ethanol").value is None
    True
    """
    text = _normalised(text)
    allowed = DIMENSIONS.get(heading)
    labelled = _LABEL_UNIT_VALUE.match(text)
    if labelled:
        unit = _UNIT_OF[labelled.group("unit")]
        if allowed is not None and unit not in allowed:
            return Measurement(None)
        conditions = "; ".join(
            c for c in (_tidy(labelled.group("label")), _tidy(labelled.group("cond") or "")) if c
        )
        return Measurement(_number(labelled.group("num")), None, unit, conditions)
    label = ""
    for pattern in (_SOLVENT, _LABEL):
        found = pattern.match(text)
        if found:
            label, text = _tidy(found.group("label")), found.group("rest")
            break
    value = _VALUE.match(text)
    if value is None:
        return Measurement(None)
    unit = _UNIT_OF.get(value.group("unit") or "", "")
    if allowed is not None and unit not in allowed:
        return Measurement(None)
    upper = _number(value.group("hi")) if value.group("hi") else None
    conditions = "; ".join(c for c in (label, _tidy(value.group("rest"))) if c)
    return Measurement(_number(value.group("num")), upper, unit, conditions)
