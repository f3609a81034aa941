"""The registry library: registration, salts, lookups, search, notes, import and export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from store_support import (  # noqa: F401  (fixtures)
    COMPOUNDS,
    MILNACIPRAN,
    MILNACIPRAN_HCL,
    db_url,
    registry,
    registry_settings,
)

from registry.config import Settings
from registry.errors import (
    Ambiguous,
    DuplicateCompound,
    InvalidStructure,
    NotFound,
    RecordFileError,
    ValidationError,
)
from registry.models import CasEntry, Identifier, Note
from registry.records.note_text import UndefinedFootnote
from registry.service import Registry, Resolved
from registry.store import key


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path / "d")}, author="tester")


def test_register_and_find_by_every_key(registry: Registry) -> None:
    c = registry.add(
        MILNACIPRAN,
        name="milnacipran",
        cas=["92623-85-3"],
        synonyms=["Ixel"],
        identifiers=[Identifier("drugbank", "DB04896", "drugbank.com")],
        source="test-source",
    )
    assert c.registry_id == "REG-000001"
    assert c.formula == "C15H22N2O"
    assert c.inchikey == "GJJFMKBJSRMPLA-UHFFFAOYSA-N"
    assert c.cas == (CasEntry("92623-85-3", "parent", "", "test-source"),)
    assert c.identifiers == (Identifier("drugbank", "DB04896", "drugbank.com"),)
    assert {p.name for p in c.properties} >= {"molecular_weight", "tpsa"}
    weight = next(p for p in c.properties if p.name == "molecular_weight")
    assert weight.value == pytest.approx(246.354, abs=1e-3)
    assert weight.toolkit_version.startswith("RDKit ")
    for query in [
        "REG-000001",
        "reg-1",
        "92623-85-3",
        "CAS No. 92623-85-3",
        "GJJFMKBJSRMPLA-UHFFFAOYSA-N",
        "Milnacipran",
        "ixel",
        "DB04896",
    ]:
        assert registry.get(query).registry_id == "REG-000001", query
    assert registry.get("NCC1CC1(C(=O)N(CC)CC)c1ccccc1").registry_id == "REG-000001"  # SMILES
    with pytest.raises(NotFound):
        registry.get("REG-000002")
    with pytest.raises(NotFound):
        registry.get("aspirin")
    assert registry.find("aspirin") == ()


def test_duplicate_is_refused_naming_the_record(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran")
    with pytest.raises(DuplicateCompound, match=r"REG-000001 \(milnacipran\)"):
        registry.add("NCC1CC1(C(=O)N(CC)CC)c1ccccc1", name="other name")  # same structure
    assert registry.count() == 1
    linked = registry.add(
        "NCC1CC1(C(=O)N(CC)CC)c1ccccc1", cas=["92623-85-3"], synonyms=["F2207"], link=True
    )
    assert linked.registry_id == "REG-000001"
    assert linked.name == "milnacipran"
    assert [e.number for e in linked.cas] == ["92623-85-3"]
    assert linked.synonyms == ("F2207",)
    assert registry.count() == 1
    actions = [a.action for a in registry.get("REG-000001", history=True).history]
    assert actions == ["register", "link"]


def test_identifying_cas_belongs_to_one_compound(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran", cas=["92623-85-3"])
    with pytest.raises(DuplicateCompound, match="REG-000001"):
        registry.add("CCO", name="ethanol", cas=["92623-85-3"])
    assert registry.count() == 1  # the failed registration left nothing behind
    # A number merely mentioned (role unknown) may sit on several records.
    mention = CasEntry("507-60-8", "unknown", "", "notes")
    registry.add("CCO", name="ethanol", cas=[mention])
    registry.add("CCN", name="ethylamine", cas=[mention])
    with pytest.raises(NotFound, match=r"mentioned \(role unknown\) by REG-\d+ \(ethanol\)"):
        registry.get("507-60-8")


def test_salt_links_to_parent_registered_before(registry: Registry) -> None:
    parent = registry.add(MILNACIPRAN, name="milnacipran")
    salt = registry.add(
        MILNACIPRAN_HCL,
        name="milnacipran hydrochloride",
        cas=[CasEntry("101152-94-7", "salt", "hydrochloride")],
    )
    assert salt.is_salt
    assert salt.parent_id == parent.registry_id
    assert registry.get("milnacipran").salt_forms == (salt.registry_id,)
    assert registry.get("101152-94-7").registry_id == salt.registry_id


def test_salt_cas_on_parent_and_salt_records(tmp_path: Path) -> None:
    """milnacipran.md lists the hydrochloride's CAS; registering the salt itself may use it."""
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", settings=_settings(tmp_path)) as reg:
        salt = reg.add(
            MILNACIPRAN_HCL,
            name="milnacipran hydrochloride",
            cas=[CasEntry("101152-94-7", "salt", "hydrochloride")],
        )
        assert salt.parent_id == "REG-000001"
        assert [e.number for e in salt.cas] == ["101152-94-7"]
        assert reg.get("101152-94-7").registry_id == "REG-000001"  # first holder
        with pytest.raises(DuplicateCompound, match="REG-000001"):
            reg.add("CCO", name="ethanol", cas=["101152-94-7"])  # unrelated: refused


def test_parent_registered_after_its_salt_links_them(registry: Registry) -> None:
    salt = registry.add(MILNACIPRAN_HCL, name="milnacipran hydrochloride")
    assert salt.parent_id == ""
    parent = registry.add(MILNACIPRAN, name="milnacipran")
    assert parent.salt_forms == (salt.registry_id,)
    assert registry.get(salt.registry_id).parent_id == parent.registry_id


def test_as_salt_of_is_checked(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran")
    registry.add("CCO", name="ethanol")
    salt = registry.add(MILNACIPRAN_HCL, name="milnacipran HCl", as_salt_of="milnacipran")
    assert salt.parent_id == "REG-000001"
    with pytest.raises(ValidationError, match="parent structure is not REG-000002"):
        registry.add("CCN.Cl", name="ethylamine HCl", as_salt_of="ethanol")
    with pytest.raises(ValidationError, match="not a salt"):
        registry.add("CCCO", name="propanol", as_salt_of="ethanol")
    assert registry.count() == 3


def test_name_or_cas_resolves_through_registry_or_resolver(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran", cas=["92623-85-3"])
    with pytest.raises(DuplicateCompound, match="REG-000001"):
        registry.add(query="92623-85-3")
    with pytest.raises(NotFound, match="structure=SMILES"):
        registry.add(query="aspirin")
    calls: list[str] = []

    def resolver(query: str) -> Resolved | None:
        calls.append(query)
        return Resolved("CC(=O)Oc1ccccc1C(=O)O", "aspirin", (), ("acetylsalicylic acid",), "fake")

    c = registry.add(query="aspirin", resolver=resolver)
    assert calls == ["aspirin"]
    assert c.name == "aspirin"
    # a CAS number with a structure registers the structure with that CAS as parent
    d = registry.add("CCO", query="64-17-5")
    assert d.cas[0].number == "64-17-5"
    assert d.cas[0].role == "parent"
    # a SMILES given as the query is a structure
    assert registry.add(query="CCCC", name="butane").smiles == "CCCC"


def test_invalid_structure_registers_nothing(registry: Registry) -> None:
    with pytest.raises(InvalidStructure):
        registry.add("C1CC(", name="broken")
    assert registry.count() == 0


def test_ambiguous_synonym(registry: Registry) -> None:
    registry.add("CCO", name="ethanol", synonyms=["spirit"])
    registry.add("CO", name="methanol", synonyms=["spirit"])
    with pytest.raises(Ambiguous, match="2 compounds"):
        registry.get("spirit")
    assert [c.name for c in registry.find("spirit")] == ["ethanol", "methanol"]


def test_search_text_similarity_substructure(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran")
    registry.add("CCO", name="ethanol", notes=[Note("usage", "A solvent for 100% of labs.")])
    registry.add("c1ccccc1C(=O)N", name="benzamide")
    assert [h.name for h in registry.search("MILNA")] == ["milnacipran"]
    hit = registry.search("100%")[0]
    assert (hit.name, hit.matched) == ("ethanol", "note: Usage")  # the canonical spelling
    assert registry.search("10_%") == ()  # LIKE wildcards are literal
    similar = registry.search(similar="CCN(CC)C(=O)C1(CC1CN)c1ccccc1", min_similarity=0.5)
    assert [h.name for h in similar] == ["milnacipran"]
    assert similar[0].score == 1.0
    sub = registry.search(substructure="C(=O)N")
    assert sorted(h.name for h in sub) == ["benzamide", "milnacipran"]
    frame = sub.to_frame()
    assert list(frame["name"]) == [h.name for h in sub]
    with pytest.raises(ValidationError):
        registry.search("x", similar="CCO")


def test_notes_keep_citations_source_and_author(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran")
    with pytest.warns(UndefinedFootnote, match=r"\[\^4\], \[\^7\]"):
        note = registry.add_note(
            "milnacipran", "mechanism", "\nInhibits reuptake[^4][^7].\n\n", source="PMID 1"
        )
    assert note.citations == ("4", "7")
    [stored] = registry.notes("milnacipran", "Mechanism")
    assert stored.body == "Inhibits reuptake[^4][^7]."
    assert (stored.source, stored.author) == ("PMID 1", "tester")
    assert stored.created_at
    with pytest.raises(ValidationError, match="heading"):
        registry.add_note("milnacipran", "usage", "## Sneaky\nheading")
    with pytest.raises(NotFound):
        registry.add_note("nothing", "usage", "text")


HOSTILE = [
    "Robert'); DROP TABLE compounds;--",
    "quote \" and ' and `backtick`",
    "100% _wild_ \\ backslash",
    "Ünïcödé — 中文 — 🧪 — \u200b zero width",
    "x" * 20_000,
    "multi\nline\r\nwith\ttabs",
]


def test_hostile_strings_round_trip_exactly(registry: Registry) -> None:
    for index, value in enumerate(HOSTILE):
        smiles = "C" * (index + 1)
        registry.add(smiles, name=value, synonyms=[value + " syn"])
        if "\n" in value:  # a source is one line: several would forge notes in a record file
            with pytest.raises(ValidationError, match="a source is one line of text"):
                registry.add_note(smiles, "usage", value, source=value)
        registry.add_note(smiles, "usage", value, source=" ".join(value.splitlines()))
    for index, value in enumerate(HOSTILE):
        c = registry.get(f"REG-{index + 1}")
        assert c.name == value
        assert c.synonyms == (value + " syn",)
        note = c.notes[0]
        assert note.source == " ".join(value.splitlines())
        assert note.body == "\n".join(
            line.rstrip() for line in value.replace("\r\n", "\n").split("\n")
        )
        if "\n" not in value:
            assert registry.get(value).registry_id == c.registry_id
            assert c.registry_id in {h.registry_id for h in registry.search(value[:300])}
    with registry.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM compounds")).scalar() == len(HOSTILE)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.text(
        alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=300,
    ).filter(lambda s: s.strip())
)
def test_any_text_is_stored_and_found_exactly(registry: Registry, value: str) -> None:
    before = registry.find("ethanol")
    known = {key(s) for s in before[0].synonyms} if before else set()
    # link=True: one compound collects them all; names are unique case-insensitively
    c = registry.add("CCO", name="ethanol", synonyms=[value], link=True)
    synonyms = registry.get(c.registry_id).synonyms
    if key(value) in known:
        assert value not in synonyms or value in before[0].synonyms
    else:
        assert value in synonyms
    assert c.registry_id in {h.registry_id for h in registry.search(value)}


def test_nul_characters_are_refused(registry: Registry) -> None:
    with pytest.raises(ValidationError, match="NUL"):
        registry.add("CCO", name="eth\x00anol")
    registry.add("CCO", name="ethanol")
    with pytest.raises(ValidationError, match="NUL"):
        registry.add_note("ethanol", "usage", "a\x00b")
    with pytest.raises(ValidationError, match="surrogate"):
        registry.add("CCO", synonyms=["\ud800"], link=True)
    assert registry.count() == 1


def _copy_records(tmp_path: Path) -> Path:
    folder = tmp_path / "compounds"
    shutil.copytree(COMPOUNDS, folder)
    return folder


def test_import_is_idempotent_and_export_is_byte_exact(registry: Registry, tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    first = registry.import_records(folder)
    assert first.added == ["milnacipran"]
    second = registry.import_records(folder)
    assert not second.changed
    assert second.summary().startswith("nothing changed")
    with registry.store.read() as conn:
        audit_rows = conn.execute(text("SELECT count(*) FROM audit")).scalar()
    assert audit_rows == 1
    out = tmp_path / "out"
    [path] = registry.export("md", out)
    assert path.read_bytes() == (COMPOUNDS / "milnacipran.md").read_bytes()


def test_export_of_a_reformatted_file_keeps_its_bytes(registry: Registry, tmp_path: Path) -> None:
    folder = tmp_path / "compounds"
    folder.mkdir()
    hand_written = (
        "---\nname: ethanol\nsmiles: 'CCO'\ncas: [{number: 64-17-5, role: parent}]\n---\n"
        "## Usage\n\n\nA solvent.   \n\n\n"
    )
    (folder / "ethanol.md").write_text(hand_written, encoding="utf-8")
    registry.import_records(folder)
    [path] = registry.export("md", tmp_path / "out")
    assert path.read_text(encoding="utf-8") == hand_written
    # Once the record changes, the export is the canonical rendering with the change.
    registry.add_note("ethanol", "mechanism", "Depresses the CNS.")
    [path] = registry.export("md", tmp_path / "out2")
    exported = path.read_text(encoding="utf-8")
    assert "## mechanism" not in exported  # the section's canonical spelling
    assert "## Mechanism\n" in exported
    assert "A solvent." in exported
    assert "Depresses the CNS." in exported
    # ...and it imports back as the same record: nothing to change, no audit row.
    trail = registry.history()
    report = registry.import_records(tmp_path / "out2")
    assert (report.unchanged, report.changed) == (["ethanol"], False)
    assert registry.history() == trail


def test_changed_file_updates_the_record(registry: Registry, tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    registry.import_records(folder)
    path = folder / "milnacipran.md"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("- DB04896", "- DB04896")
        .replace("## Other uses", "## Other uses\n\nAlso studied for fatigue.\n\n## More"),
        encoding="utf-8",
    )
    report = registry.import_records(folder)
    assert report.updated == ["milnacipran"]
    sections = [n.section for n in registry.get("milnacipran").notes]
    assert sections.count("Other uses") == 1
    assert "More" in sections
    assert registry.count() == 1
    [out] = registry.export("md", tmp_path / "out")
    assert out.read_bytes() == path.read_bytes()


def test_bad_file_imports_nothing(registry: Registry, tmp_path: Path) -> None:
    folder = _copy_records(tmp_path)
    (folder / "zz-bad.md").write_text("---\nname: bad\nsmiles: C\ncas:\n- 50-78-3\n---\n")
    with pytest.raises(RecordFileError, match=r"zz-bad\.md:5: .*nothing imported|zz-bad\.md:5"):
        registry.import_records(folder)
    assert registry.count() == 0
    (folder / "zz-bad.md").write_text("---\nname: bad\nsmiles: C1CC(\n---\n")
    with pytest.raises(RecordFileError, match=r"zz-bad\.md:3: .*nothing imported"):
        registry.import_records(folder)
    assert registry.count() == 0


def test_import_conflict_rolls_back_everything(registry: Registry, tmp_path: Path) -> None:
    registry.add("CCO", name="ethanol", cas=["92623-85-3"])  # milnacipran's CAS, wrongly
    folder = _copy_records(tmp_path)
    with pytest.raises(RecordFileError, match=r"milnacipran\.md.*REG-000001"):
        registry.import_records(folder)
    assert registry.count() == 1


def test_milnacipran_from_bundled_records(tmp_path: Path) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'r.sqlite'}", settings=_settings(tmp_path)) as reg:
        c = reg.get("milnacipran")
        assert c.formula == "C15H22N2O"
        weight = next(p for p in c.properties if p.name == "molecular_weight")
        exact = next(p for p in c.properties if p.name == "exact_mass")
        assert weight.value == pytest.approx(246.354, abs=1e-3)
        assert exact.value == pytest.approx(246.173213336, abs=1e-6)
        assert [e.number for e in c.identity_cas] == ["92623-85-3", "101152-94-7"]
        assert reg.get("101152-94-7").registry_id == c.registry_id
        for number in ["507-60-8", "101312-07-6", "19519-55-2", "1228259-70-8", "169327-82-6"]:
            with pytest.raises(NotFound, match="role unknown"):
                reg.get(number)
        assert "fibromyalgia" in " ".join(n.body for n in reg.notes(c.registry_id))
        assert {h.name for h in reg.search("fibromyalgia")} == {"milnacipran"}


def test_table_exports(registry: Registry) -> None:
    registry.add(MILNACIPRAN, name="milnacipran", cas=["92623-85-3"])
    registry.add(MILNACIPRAN_HCL, name="milnacipran HCl")
    data = json.loads(str(registry.export("json")))
    assert [d["registry_id"] for d in data] == ["REG-000001", "REG-000002"]
    assert data[1]["parent_id"] == "REG-000001"
    csv_text = str(registry.export("csv"))
    assert csv_text.splitlines()[1].startswith("REG-000001,milnacipran,")
    sdf = str(registry.export("sdf"))
    assert sdf.count("$$$$") == 2
    assert "92623-85-3 (parent)" in sdf
    frame = registry.list_compounds().to_frame()
    assert list(frame["registry_id"]) == ["REG-000001", "REG-000002"]
    listed = registry.list_compounds()
    full = registry.list_compounds(full=True)
    assert [c.summary() for c in listed] == [c.summary() for c in full]
    assert full[0].properties
    assert not listed[0].properties
    assert [c.registry_id for c in registry.list_compounds(limit=1, offset=1)] == ["REG-000002"]


def test_add_many_detects_every_duplicate(registry: Registry) -> None:
    batch = [("CCO", "ethanol"), ("OCC", "ethanol again"), ("CCN", "ethylamine"), ("C(", "bad")]
    ids, skipped = registry.add_many(batch)
    assert ids == ["REG-000001", "REG-000002"]
    assert [i for i, _ in skipped] == [1, 3]
    ids, skipped = registry.add_many(batch)
    assert ids == []
    assert [i for i, _ in skipped] == [0, 1, 2, 3]


def test_parallel_preparation_gives_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.chem import registration

    items = [("CCO", "ethanol"), ("C(", "bad"), (MILNACIPRAN_HCL, "salt"), ("c1ccccc1", "benzene")]
    serial = registration.prepare_many(items, workers=1)
    monkeypatch.setattr(registration, "MIN_PARALLEL", 2)
    timings: dict[str, float] = {}
    parallel = registration.prepare_many(items, workers=2, timings=timings)
    assert parallel == serial
    assert serial[1] is None
    assert set(timings) == {"standardise", "hash", "fingerprint", "descriptors"}


def test_author_is_recorded(db_url: str, tmp_path: Path) -> None:
    with Registry.open(db_url, settings=_settings(tmp_path), author="a.chemist", seed=False) as r:
        r.add("CCO", name="ethanol")
        [entry] = r.get("ethanol", history=True).history
    assert (entry.author, entry.action) == ("a.chemist", "register")
