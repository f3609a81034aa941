"""GHS classifications in a PUG-View record: signal word, pictograms, H-statements, P-codes.

PubChem lists one classification per source under "GHS Classification", as items named
``Pictogram(s)``, ``Signal``, ``GHS Hazard Statements``, ``Precautionary Statement Codes``
and notes, sharing a reference number. Older answers carry the same as one HTML
``StringValue``; both shapes are read. Any text not understood is kept in ``notes``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from registry.property_models import GhsClassification, HazardStatement

__all__ = ["classifications", "hazard_statement", "precautionary_codes"]

_STATEMENT = re.compile(
    r"^\s*(?P<code>(?:EU)?H\d{3}[A-Za-z]*(?:\+H\d{3}[A-Za-z]*)*)"
    r"(?:\s*\((?P<percent>[\d.]+)%\))?\s*:?\s*(?P<text>.*?)\s*$",
    re.DOTALL,
)
_P_CODE = re.compile(r"P\d{3}(?:\+P\d{3})*")
_PICTOGRAM = re.compile(r"GHS0\d")
_TAG = re.compile(r"<[^>]+>")


def hazard_statement(text: str) -> HazardStatement | None:
    """One hazard statement, or None when the text does not start with an H-code.

    >>> hazard_statement("H225 (99.85%): Highly Flammable liquid and vapor [Danger Flammable liquids]")
    HazardStatement(code='H225', text='Highly Flammable liquid and vapor [Danger Flammable liquids]', percent=99.85)
    """  # noqa: E501
    found = _STATEMENT.match(text)
    if found is None:
        return None
    percent = found.group("percent")
    share = float(percent) if percent else None
    return HazardStatement(found.group("code"), found.group("text"), share)


def precautionary_codes(text: str) -> tuple[str, ...]:
    """The P-codes in a text, in order.

    >>> precautionary_codes("P264, P270, P301+P317, P330, and P501")
    ('P264', 'P270', 'P301+P317', 'P330', 'P501')
    """
    return tuple(_P_CODE.findall(text))


def _strings(value: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(value.get("StringWithMarkup", []))


def _from_items(
    items: list[dict[str, Any]], reference: str, cid: int, retrieved: str
) -> GhsClassification:
    signal = ""
    pictograms: list[tuple[str, str]] = []
    statements: list[HazardStatement] = []
    precautionary: list[str] = []
    notes: list[str] = []
    for item in items:
        name = str(item.get("Name", ""))
        value = item.get("Value", {})
        markup = item.get("StringValue", value.get("StringValue"))
        if markup is not None:  # the older HTML shape, one item for everything
            old = _from_html(str(markup))
            signal = signal or old.signal
            pictograms += old.pictograms
            statements += old.statements
            precautionary += old.precautionary
            notes += old.notes
            continue
        for string in _strings(value):
            text = str(string.get("String", ""))
            if name.startswith("Pictogram"):
                for markup in string.get("Markup", []):
                    code = _PICTOGRAM.search(str(markup.get("URL", "")))
                    if code:
                        pictograms.append((code.group(0), str(markup.get("Extra", ""))))
            elif name == "Signal":
                signal = text.strip()
            elif name == "GHS Hazard Statements" and (statement := hazard_statement(text)):
                statements.append(statement)
            elif name == "Precautionary Statement Codes" and precautionary_codes(text):
                precautionary += precautionary_codes(text)
            elif text.strip():
                notes.append(f"{name}: {text.strip()}" if name else text.strip())
    return GhsClassification(
        signal=signal,
        pictograms=tuple(pictograms),
        statements=tuple(statements),
        precautionary=tuple(precautionary),
        notes=tuple(notes),
        reference=reference,
        cid=cid,
        retrieved=retrieved,
    )


def _from_html(markup: str) -> GhsClassification:
    """The older one-item HTML form (``<img title="GHS02: Flammables">``, ``<br>``-separated)."""
    pictograms = tuple(
        (code, meaning.strip())
        for code, meaning in re.findall(r'title="(GHS0\d):\s*([^"]*)"', markup)
    )
    signal_found = re.search(r"Signal:</b>\s*(?:<[^>]+>)*\s*([A-Za-z]+)", markup)
    lines = [html.unescape(_TAG.sub("", line)).strip() for line in re.split(r"<br\s*/?>", markup)]
    statements = []
    precautionary: list[str] = []
    notes = []
    for line in lines:
        if not line:
            continue
        statement = hazard_statement(line)
        if statement is not None:
            statements.append(statement)
        elif (codes := precautionary_codes(line)) and line.startswith("P"):
            precautionary += codes
        elif not line.startswith("Signal:"):
            notes.append(line)
    return GhsClassification(
        signal=signal_found.group(1) if signal_found else "",
        pictograms=pictograms,
        statements=tuple(statements),
        precautionary=tuple(precautionary),
        notes=tuple(notes),
    )


def classifications(
    items: Iterable[dict[str, Any]], references: Mapping[int, str], cid: int, retrieved: str
) -> tuple[GhsClassification, ...]:
    """The classifications of a "GHS Classification" section, one per reference, in order.

    Args:
        items: the section's ``Information`` items.
        references: reference number to a description (``"ECHA C&L Inventory #26"``).
        cid, retrieved: the compound and when PubChem answered.
    """
    grouped: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(int(item.get("ReferenceNumber", 0)), []).append(item)
    return tuple(
        _from_items(group, references.get(number, f"#{number}"), cid, retrieved)
        for number, group in grouped.items()
    )
