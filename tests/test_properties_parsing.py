"""Reading PUG-View records: every recorded experimental value kept, numbers and units read,
GHS classifications in both of PubChem's shapes.

The records are real PubChem answers (tests/data/pubchem/README.md): full records of CIDs 241
(benzene), 5742 (guanidine hydrochloride), 7840 (1-bromopropane), 8037 (TMEDA), and the GHS
section of CID 643785 in the older HTML form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.sources.pubchem.ghs import hazard_statement, precautionary_codes
from registry.sources.pubchem.measured import DIMENSIONS, UNITS, Measurement, read_measurement
from registry.sources.pubchem.pug_view import NAMED, read_record, view_heading, view_url

DATA = Path(__file__).parent / "data" / "pubchem"
RECORDS = {
    241: "cheminfo/b7ab325a77f1ab05a32f9a0e752a1965.json",
    7840: "cheminfo/14ba82e03c48796a17019bf4ce1cfaaf.json",
    8037: "cheminfo/3a9de64a6c62c8cd6ff8320bafb8452f.json",
    5742: "cheminfo/e0b755f5a295c85903dfd933fae8a620.json",
}
GHS_643785 = "chemotion/body_643785_LCSS.json"


def _load(path: str) -> Any:
    return json.loads((DATA / path).read_text(encoding="utf-8"))


def _recorded_values(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(heading, text) of every value under Experimental Properties, counted independently of
    the reader: each string of a StringWithMarkup, each Number list as one value."""
    out: list[tuple[str, str]] = []

    def walk(sections: list[dict[str, Any]], inside: bool) -> None:
        for section in sections:
            heading = section["TOCHeading"]
            if inside:
                for info in section.get("Information", []):
                    value = info["Value"]
                    strings = value.get("StringWithMarkup")
                    if strings is not None:
                        out.extend((heading, s["String"]) for s in strings)
                    else:
                        assert "Number" in value, value
                        out.append((heading, "<number>"))
            walk(section.get("Section", []), inside or heading == "Experimental Properties")

    walk(record["Record"]["Section"], False)
    return out


@pytest.mark.parametrize("cid", sorted(RECORDS))
def test_every_recorded_experimental_value_is_kept(cid: int) -> None:
    data = _load(RECORDS[cid])
    recorded = _recorded_values(data)
    read = read_record(data, "2026-12-06T00:00:00+00:00")
    assert read.cid == cid
    assert len(read.experimental) == len(recorded)  # none dropped, none invented
    texts = [(p.name, p.text) for p in read.experimental]
    for (heading, text), (name, kept) in zip(recorded, texts, strict=True):
        assert name == heading
        if text != "<number>":
            assert kept == text
    for p in read.experimental:
        assert p.source == "pubchem"
        assert p.cid == cid
        assert p.kind == "experimental"
        assert p.retrieved == "2026-12-06T00:00:00+00:00"
        assert "#" in p.reference  # the source's name and PubChem's reference number
        if p.value is None:
            assert p.unit == ""
            assert p.conditions == ""


def test_counts_and_parsed_share_of_the_named_properties() -> None:
    total = parsed = 0
    every = every_parsed = 0
    for path in RECORDS.values():
        read = read_record(_load(path), "x")
        every += len(read.experimental)
        every_parsed += sum(p.value is not None for p in read.experimental)
        named = [p for p in read.experimental if p.name in NAMED]
        total += len(named)
        parsed += sum(p.value is not None for p in named)
    # The figures docs/properties.md and docs/performance.md quote.
    assert (total, parsed) == (96, 88)
    assert (every, every_parsed) == (184, 138)


def test_the_texts_not_read_as_numbers_are_the_ones_without_one() -> None:
    unread = sorted(
        p.text[:40]
        for path in RECORDS.values()
        for p in read_record(_load(path), "x").experimental
        if p.name in NAMED and p.value is None
    )
    assert unread == [
        "Liquid molar volume = 0.09143 cu m/kmol;",
        "Miscible with alcohol, chloroform, ether",
        "Miscible with ethanol, ethyl ether, acet",
        "SPECIFIC DISPERSION 189.6; DENSITY OF SA",
        "Slightly soluble in water",
        "Sol in water and most organic solvents",
        "Soluble (NTP, 1992)",
        "Soluble in acetone, ethanol, ether, benz",
    ]


def test_benzene_values_in_detail() -> None:
    read = read_record(_load(RECORDS[241]), "x")
    by_text = {p.text: p for p in read.experimental}
    bp = by_text["80.00 to 81.00 °C. @ 760.00 mm Hg"]
    assert (bp.value, bp.upper, bp.unit, bp.conditions) == (80.0, 81.0, "°C", "@ 760.00 mm Hg")
    mp = by_text["41.9 °F (NTP, 1992)"]
    assert (mp.value, mp.unit, mp.conditions) == (41.9, "°F", "(NTP, 1992)")
    assert mp.reference.startswith("CAMEO Chemicals #1: National Toxicology Program")
    sol = by_text["In water, 1.79X10+3 mg/L at 25 °C"]
    assert (sol.value, sol.unit, sol.conditions) == (1790.0, "mg/L", "In water; at 25 °C")
    assert "(PEER REVIEWED)" in sol.reference
    vp = by_text["Vapor pressure, kPa at 20 °C: 10"]
    assert (vp.value, vp.unit, vp.conditions) == (10.0, "kPa", "Vapor pressure; at 20 °C")
    density = by_text["Relative density (water = 1): 0.88"]
    assert (density.value, density.unit) == (0.88, "")
    logp = by_text["log Kow = 2.13"]
    assert (logp.value, logp.unit, logp.conditions) == (2.13, "", "log Kow")
    melting = [p for p in read.experimental if p.name == "Melting Point"]
    assert len(melting) == 7  # every source's value, none preferred
    assert {p.value for p in melting} == {41.9, 5.5, 5.558, 6.0, 42.0}


def test_guanidine_range_and_superscript_unit() -> None:
    read = read_record(_load(RECORDS[5742]), "x")
    by_text = {p.text: p for p in read.experimental}
    assert (by_text["178-185 °C"].value, by_text["178-185 °C"].upper) == (178.0, 185.0)
    assert (by_text["1.3 g/cm³"].value, by_text["1.3 g/cm³"].unit) == (1.3, "g/cm3")
    assert by_text["-1.7"].value == -1.7


@pytest.mark.parametrize(
    ("heading", "text", "expected"),
    [
        ("Boiling Point", "80.1 °C", Measurement(80.1, None, "°C", "")),
        ("Boiling Point", "176 °F (NTP, 1992)", Measurement(176.0, None, "°F", "(NTP, 1992)")),
        ("Density", "1.9 g/cm3 at 20 °C", Measurement(1.9, None, "g/cm3", "at 20 °C")),
        ("Melting Point", "FP: -55 °C", Measurement(-55.0, None, "°C", "FP")),
        (
            "Solubility",
            "In water, 2,450 mg/L at 20 °C",
            Measurement(2450.0, None, "mg/L", "In water; at 20 °C"),
        ),
        ("Vapor Pressure", "94.8 [mmHg]", Measurement(94.8, None, "mmHg", "")),
        (
            "Dissociation Constants",
            "pKa = 4.76 at 25 °C",
            Measurement(4.76, None, "", "pKa; at 25 °C"),
        ),
        ("Boiling Point", "71 °C at 760 mm", Measurement(71.0, None, "°C", "at 760 mm")),
        ("Melting Point", "5.5 mg/L", Measurement(None)),  # not a temperature: text only
        ("Solubility", "Soluble (NTP, 1992)", Measurement(None)),
        ("Flash Point", "-11 °C c.c.", Measurement(-11.0, None, "°C", "c.c.")),
        ("Boiling Point", "\u221210 \u2013 \u22125 °C", Measurement(-10.0, -5.0, "°C", "")),
    ],
)
def test_read_measurement(heading: str, text: str, expected: Measurement) -> None:
    assert read_measurement(heading, text) == expected


@given(st.sampled_from(sorted(DIMENSIONS)), st.text(max_size=60))
def test_read_measurement_never_raises_and_units_fit_the_property(heading: str, text: str) -> None:
    measured = read_measurement(heading, text)
    if measured.value is None:
        assert measured == Measurement(None)
    else:
        assert measured.unit in DIMENSIONS[heading]
        assert measured.unit == "" or measured.unit in UNITS


@given(
    st.floats(min_value=-500, max_value=5000, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from(["°C", "°F", "K"]),
)
def test_temperatures_read_back(value: float, unit: str) -> None:
    measured = read_measurement("Melting Point", f"{value} {unit}")
    assert (measured.value, measured.unit) == (value, unit)


def test_ghs_of_benzene_one_classification_per_source() -> None:
    read = read_record(_load(RECORDS[241]), "2026-12-06")
    assert len(read.hazards) == 7
    first = read.hazards[0]
    assert first.signal == "Danger"
    assert [code for code, _ in first.pictograms] == ["GHS02", "GHS07", "GHS08"]
    assert first.codes == ("H225", "H304", "H315", "H319", "H340", "H350", "H372")
    assert first.precautionary[:3] == ("P203", "P210", "P233")
    assert first.reference == "EU REGULATION (EC) No 1272/2008 #26"
    assert first.cid == 241
    assert first.retrieved == "2026-12-06"
    second = read.hazards[1]
    assert (second.signal, second.codes) == ("Warning", ("H302",))
    assert second.statements[0].percent == 100.0  # "H302 (100%): Harmful if swallowed"
    assert first.statements[0].percent is None  # "H225: Highly Flammable liquid and vapor"


def test_ghs_percentages_and_variant_codes() -> None:
    read = read_record(_load(RECORDS[7840]), "x")
    codes = {c for h in read.hazards for c in h.codes}
    assert {"H360FD", "H360", "H225"} <= codes
    shares = [s.percent for h in read.hazards for s in h.statements if s.percent is not None]
    assert shares
    assert all(0 < p <= 100 for p in shares)


def test_ghs_in_the_older_html_shape() -> None:
    read = read_record(_load(GHS_643785), "x")
    assert read.cid == 643785
    assert read.experimental == ()
    (ghs,) = read.hazards
    assert ghs.signal == "Danger"
    assert [code for code, _ in ghs.pictograms] == ["GHS02", "GHS07", "GHS08"]
    assert [(s.code, s.percent) for s in ghs.statements] == [
        ("H225", 100.0), ("H304", 52.17), ("H315", 39.13), ("H319", 39.13)
    ]  # fmt: skip
    assert ghs.precautionary[0] == "P210"
    assert ghs.precautionary[-1] == "P501"
    assert len(ghs.precautionary) == 21
    assert ghs.reference == "European Chemicals Agency (ECHA) #3"


def test_statement_and_codes() -> None:
    assert hazard_statement("not a statement") is None
    s = hazard_statement("H302+H312 (12.5%): Harmful if swallowed or in contact with skin")
    assert s is not None
    assert (s.code, s.percent) == ("H302+H312", 12.5)
    assert precautionary_codes("P305+P351+P338, and P501") == ("P305+P351+P338", "P501")


def test_urls_and_headings() -> None:
    assert view_heading(False, False) is None
    assert view_url("http://127.0.0.1:1/rest/pug/", 8037, None) == (
        "http://127.0.0.1:1/rest/pug_view/data/compound/8037/JSON"
    )
