"""Export in every format, import into an empty registry: the same registry, field by field.

The registry exported holds salts (a parent and its hydrochloride), CAS numbers of every role
with salt forms and sources, synonyms, PubChem CIDs and other identifiers, notes with citations
and their sources, properties from a team's file (numbers, text, a number written ``007``) and
PubChem values with units, conditions and references (several values for one property). The
two databases are compared table by table (:func:`snapshot`), with compounds matched by their
registration hash; only what a new registry makes anew (ids, timestamps, the audit trail, the
author of notes in formats that do not hold it) is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from roundtrip_support import snapshot
from store_support import MILNACIPRAN, MILNACIPRAN_HCL, new_postgres_database, postgres_admin_url

from registry.config import Settings
from registry.models import CasEntry, Identifier, Note, Property
from registry.service import Registry
from registry.service.enrichment import store_values
from registry.service.table_columns import (
    detailed_properties,
    number_text,
    parse_number,
    property_cell,
    simple_property,
)

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"

TEAM_CSV = (
    "smiles,name,project,IC50_nM,batch,comment\n"
    f"{MILNACIPRAN},milnacipran,alpha,12.5,007,racemic\n"
    f'{ASPIRIN},aspirin,beta,0.1,12,"two\nlines"\n'
    f"{CAFFEINE},caffeine,beta,,A-1,\n"
)


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


def _pubchem(name: str, value: float | None, text: str, **extra: Any) -> Property:
    return Property(
        name, value, unit=extra.pop("unit", ""), source="pubchem", text=text,
        retrieved="2024-05-01", cid=2244, kind=extra.pop("kind", "experimental"), **extra,
    )  # fmt: skip


def build(registry: Registry, tmp_path: Path) -> None:
    """The registry every format must carry over."""
    team = tmp_path / "team.csv"
    team.write_text(TEAM_CSV, encoding="utf-8")
    report = registry.import_structures(team, workers=1)
    assert (report.added, report.refused) == (3, [])
    registry.add(
        MILNACIPRAN,
        cas=[
            CasEntry("92623-85-3", "parent", source="public-references"),
            CasEntry("96847-54-0", "stereoisomer", source="research-notes"),
            CasEntry("507-60-8", "unknown", source="research-notes"),
        ],
        synonyms=["Ixel", "Savella; US brand"],
        identifiers=[
            Identifier("drugbank", "DB04896", "public-references"),
            Identifier("pubchem_cid", "65833", "pubchem"),
        ],
        notes=[
            Note(
                "mechanism",
                "Inhibits the reuptake of serotonin and norepinephrine[^1].\n\n"
                "[^1]: Reference one.",
                "research-notes",
            ),
            Note("usage", "Used for fibromyalgia.\n\n### Dose\n\n* twice daily", "patient-page"),
        ],
        source="team",
        link=True,
    )
    registry.add(
        MILNACIPRAN_HCL,
        name="milnacipran hydrochloride",
        cas=[CasEntry("101152-94-7", "salt", form="hydrochloride", source="public-references")],
        identifiers=[Identifier("unii", "3ZT48W4V9G", "fda")],
    )
    registry.add(
        ASPIRIN,
        cas=[
            CasEntry("50-78-2", "parent", source="pubchem"),
            CasEntry("11126-35-5", "replaced", source="pubchem"),
        ],
        identifiers=[
            Identifier("pubchem_cid", "2244", "pubchem"),
            Identifier("chembl", "CHEMBL25"),
        ],
        synonyms=["acetylsalicylic acid"],
        notes=[Note("side effects", "Stomach upset.", "")],
        link=True,
    )
    registry.add(CAFFEINE, cas=[CasEntry("5743-12-4", "hydrate", form="monohydrate")], link=True)
    # an enantiomer pair and a tautomer pair, registered on purpose
    registry.add("C[C@@H](O)CC", name="(R)-butan-2-ol", cas=["14898-79-4"])
    registry.add("C[C@H](O)CC", name="(S)-butan-2-ol", cas=["4221-99-2"], allow_stereoisomer=True)
    registry.add("Oc1ccccn1", name="2-hydroxypyridine", cas=["72762-00-6"])
    registry.add("O=c1cccc[nH]1", name="2-pyridone", cas=["142-08-5"], allow_tautomer=True)
    aspirin = registry.get("aspirin").registry_id
    store_values(
        registry.store,
        "tester",
        aspirin,
        [
            _pubchem("Melting Point", 135.0, "135 °C", unit="°C", reference="CAMEO #1"),
            _pubchem(
                "Melting Point",
                275.0,
                "275 °F (NTP, 1992)",
                unit="°F",
                conditions="(NTP, 1992)",
                reference="CAMEO #2",
            ),
            _pubchem("Solubility", None, "1 g dissolves in 300 mL water\nat 25 °C", reference="x"),
            _pubchem("XLogP3", 1.2, "", kind="computed"),
        ],
    )


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Registry]:
    with Registry.open(
        f"sqlite:///{tmp_path / 'source.sqlite'}", settings=_settings(tmp_path), seed=False
    ) as registry:
        build(registry, tmp_path)
        yield registry


def _exported(registry: Registry, fmt: str, tmp_path: Path) -> Path:
    folder = tmp_path / f"export-{fmt}"
    written = registry.export(fmt, folder)  # type: ignore[arg-type]
    assert isinstance(written, list)
    return folder if fmt == "md" else written[0]


def _import(url: str, exported: Path, tmp_path: Path) -> dict[str, Any]:
    with Registry.open(url, settings=_settings(tmp_path), seed=False) as copy:
        if exported.is_dir():
            copy.import_records(exported)
        else:
            report = copy.import_structures(exported, workers=1)
            assert report.complete, report.details()
            assert (report.invalid, report.warnings) == ([], [])
        return snapshot(copy)


def _compare(original: dict[str, Any], copy: dict[str, Any], fmt: str) -> None:
    assert sorted(copy) == sorted(original)
    for key, entry in original.items():
        expected = dict(entry)
        got = dict(copy[key])
        if fmt in ("md", "csv", "sdf"):  # these formats do not hold who wrote a note
            expected["notes"] = [n[:4] for n in expected["notes"]]
            got["notes"] = [n[:4] for n in got["notes"]]
        for field, value in expected.items():  # one field at a time, for a readable failure
            if isinstance(value, list):
                missing = [v for v in value if v not in got[field]]
                extra = [v for v in got[field] if v not in value]
                assert (missing, extra) == ([], []), (fmt, entry["name"], field)
            assert got[field] == value, (fmt, entry["name"], field)


@pytest.mark.parametrize("fmt", ["json", "csv", "sdf", "md"])
def test_an_export_imported_into_an_empty_registry_is_the_same_registry(
    source: Registry, fmt: str, tmp_path: Path
) -> None:
    original = snapshot(source)
    copy = _import(
        f"sqlite:///{tmp_path / 'copy.sqlite'}", _exported(source, fmt, tmp_path), tmp_path
    )
    _compare(original, copy, fmt)


def test_round_trip_on_postgresql(
    source: Registry, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url, drop = new_postgres_database(postgres_admin_url(request))
    try:
        for fmt in ("csv", "json"):
            copy = _import(url, _exported(source, fmt, tmp_path), tmp_path)
            _compare(snapshot(source), copy, fmt)  # the second import changes nothing
    finally:
        drop()


@pytest.mark.parametrize("fmt", ["json", "csv", "sdf", "md"])
def test_importing_an_unchanged_export_back_changes_nothing(
    source: Registry, fmt: str, tmp_path: Path
) -> None:
    before, trail = snapshot(source), source.history(limit=10_000)
    exported = _exported(source, fmt, tmp_path)
    if exported.is_dir():
        report = source.import_records(exported)
        assert not report.changed
    else:
        again = source.import_structures(exported, workers=1)
        assert (again.added, again.already_registered, again.linked) == (0, 8, 0)
        assert again.complete
        assert again.warnings == []
    assert snapshot(source) == before
    assert source.history(limit=10_000) == trail  # no audit row


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_cell_reads_back_as_the_same_float(value: float) -> None:
    assert parse_number(number_text(value)) == value
    assert simple_property("x", number_text(value), "f").text == ""


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip() == t and "\n" not in t))
def test_a_text_cell_reads_back_as_the_same_text(text: str) -> None:
    value = simple_property("x", text, "f")
    assert property_cell([value]) == text
    assert not detailed_properties([value])
