"""PUG-View records read: experimental properties (every value kept) and GHS classifications.

A record (``/rest/pug_view/data/compound/<cid>/JSON``) is a tree of sections by heading. Under
"Experimental Properties" each heading ("Melting Point", "Solubility"...) lists values from
many sources; each value becomes one :class:`~registry.property_models.Property` with its
original text, the number, unit and conditions read from it where the text allows
(:mod:`.measured`), and its reference (source name and PubChem's reference number). Under
"GHS Classification" each source's classification becomes one
:class:`~registry.property_models.GhsClassification` (:mod:`.ghs`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from registry.errors import PubChemError
from registry.property_models import GhsClassification, Property
from registry.sources.pubchem.ghs import classifications
from registry.sources.pubchem.measured import UNITS, Measurement, read_measurement

__all__ = [
    "EXPERIMENTAL",
    "GHS",
    "NAMED",
    "ViewRecord",
    "read_record",
    "view_heading",
    "view_url",
]

EXPERIMENTAL = "Experimental Properties"
GHS = "GHS Classification"
#: The experimental properties this package reads with their units in mind (pKa values are
#: under "Dissociation Constants"); values under other headings are kept as well.
NAMED = ("Melting Point", "Boiling Point", "Flash Point", "Density", "Solubility",
         "Vapor Pressure", "LogP", "Dissociation Constants")  # fmt: skip
_UNIT_OF = {spelling: unit for unit, spellings in UNITS.items() for spelling in spellings}
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class ViewRecord:
    """What one PUG-View answer holds for one CID."""

    cid: int
    title: str
    experimental: tuple[Property, ...]
    hazards: tuple[GhsClassification, ...]


def view_heading(experimental: bool, hazards: bool) -> str | None:
    """The ``heading=`` that narrows a record to what is asked (None: the whole record).

    >>> view_heading(True, False), view_heading(False, True), view_heading(True, True)
    ('Experimental Properties', 'GHS Classification', None)
    """
    if experimental and not hazards:
        return EXPERIMENTAL
    if hazards and not experimental:
        return GHS
    return None


def view_url(pug_rest: str, cid: int, heading: str | None) -> str:
    """The PUG-View URL of a CID's record, next to the PUG-REST base URL.

    >>> view_url("https://pubchem.ncbi.nlm.nih.gov/rest/pug", 241, "GHS Classification")
    'https://pubchem.ncbi.nlm.nih.gov/rest/pug_view/data/compound/241/JSON?heading=GHS+Classification'
    """
    base = re.sub(r"/pug/?$", "/pug_view", pug_rest.rstrip("/"))
    url = f"{base}/data/compound/{cid}/JSON"
    return f"{url}?heading={heading.replace(' ', '+')}" if heading else url


def _sections(
    sections: list[dict[str, Any]], path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for section in sections:
        inner = (*path, str(section.get("TOCHeading", "")))
        yield inner, section
        yield from _sections(section.get("Section", []), inner)


def _references(record: dict[str, Any]) -> dict[int, str]:
    out = {}
    for reference in record.get("Reference", []):
        if "ReferenceNumber" in reference:
            number = int(reference["ReferenceNumber"])
            out[number] = f"{reference.get('SourceName', 'unknown source')} #{number}"
    return out


def _texts(value: dict[str, Any]) -> Iterator[tuple[str, float | None, str]]:
    """Each value an item holds: (text, number given as a number, its unit)."""
    if "StringWithMarkup" in value:
        for string in value["StringWithMarkup"]:
            yield str(string.get("String", "")), None, ""
    elif "Number" in value:
        numbers = value["Number"]
        unit = str(value.get("Unit", ""))
        text = ", ".join(f"{n:g}" for n in numbers) + (f" {unit}" if unit else "")
        single = float(numbers[0]) if len(numbers) == 1 else None
        yield text, single, _UNIT_OF.get(unit, unit)
    elif "StringValue" in value:
        yield _TAG.sub(" ", str(value["StringValue"])).strip(), None, ""
    else:
        yield json.dumps(value, ensure_ascii=False), None, ""


def _experimental(
    heading: str, item: dict[str, Any], references: dict[int, str], cid: int, retrieved: str
) -> Iterator[Property]:
    number = int(item.get("ReferenceNumber", 0))
    reference = references.get(number, f"#{number}")
    if item.get("Description"):
        reference += f" ({item['Description']})"
    if item.get("Reference"):
        reference += ": " + "; ".join(str(r) for r in item["Reference"])
    for text, given, unit in _texts(item.get("Value", {})):
        measured = (
            Measurement(given, None, unit) if given is not None else read_measurement(heading, text)
        )
        value, upper, unit, conditions = (
            measured.value, measured.upper, measured.unit, measured.conditions
        )  # fmt: skip
        yield Property(
            name=heading,
            value=value,
            unit=unit if value is not None else "",
            source="pubchem",
            text=text,
            upper=upper,
            conditions=conditions if value is not None else "",
            reference=reference,
            retrieved=retrieved,
            cid=cid,
            kind="experimental",
        )


def read_record(data: Any, retrieved: str) -> ViewRecord:
    """A PUG-View answer (``{"Record": ...}``) read; every value is kept.

    Raises:
        PubChemError: the answer is not a PUG-View record.
    """
    try:
        record = data["Record"]
        cid = int(record["RecordNumber"])
        sections = record.get("Section", [])
    except (KeyError, TypeError, ValueError) as error:
        raise PubChemError(f"unexpected PubChem PUG-View answer: {str(data)[:200]}") from error
    references = _references(record)
    experimental: list[Property] = []
    hazards: list[GhsClassification] = []
    for path, section in _sections(sections, ()):
        items = section.get("Information", [])
        if GHS in path[-1:]:
            hazards += classifications(items, references, cid, retrieved)
        elif EXPERIMENTAL in path[:-1]:
            for item in items:
                experimental += _experimental(path[-1], item, references, cid, retrieved)
    return ViewRecord(cid, str(record.get("RecordTitle", "")), tuple(experimental), tuple(hazards))
