"""Issue 18's chemist, end to end: a 30-compound team collection kept in the registry.

The collection (``data/team.csv``: smiles, name, cas, project) holds salts, an enantiomer pair
beside the racemate, a tautomer pair, a duplicate written differently and a bad structure. It is
imported with its CAS numbers and project column, edited, partly retired and merged, and sent
through every export format into empty registries, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from store_support import cli_env, db_url, registry, registry_settings  # noqa: F401

from registry import Registry
from registry.config import Settings
from registry.errors import RelatedStructure
from registry.models import CasEntry, Compound

TEAM = Path(__file__).parent / "data" / "team.csv"


def _projects(compound: Compound) -> list[str]:
    return sorted(p.text or "" for p in compound.properties if p.name == "project")


def _identity(reg: Registry) -> dict[str, tuple[object, ...]]:
    """Each record by name: structure, CAS numbers with roles, synonyms, projects, its state
    (retired with the reason, or merged into the record of that name)."""
    every = reg.list_compounds(full=True, include_retired=True)
    names = {c.registry_id: c.name for c in every}
    return {
        c.name: (
            c.smiles,
            sorted((e.number, e.role) for e in c.cas),
            sorted(c.synonyms),
            _projects(c),
            c.status,
            c.retired_reason,
            names.get(c.merged_into, ""),
        )
        for c in every
    }


def test_a_team_collection_lives_in_the_registry(
    registry: Registry, db_url: str, registry_settings: Settings, tmp_path: Path
) -> None:
    reg = registry
    # 1. Import: every CAS number and the project column are kept; the odd rows are reported.
    report = reg.import_structures(TEAM)
    assert (report.rows, report.added, report.repeated_in_file) == (30, 25, 1)
    assert report.invalid == [20]
    refused = dict(report.refused)
    assert sorted(refused) == [15, 16, 18]
    assert "stereoisomer" in refused[15]
    assert "stereoisomer" in refused[16]
    assert "tautomer" in refused[18]
    aspirin = reg.get("50-78-2")
    assert aspirin.name == "aspirin"
    assert [(e.number, e.role) for e in aspirin.cas] == [("50-78-2", "parent")]
    assert "acetylsalicylic acid" in aspirin.synonyms  # the duplicate row's name is kept
    assert _projects(aspirin) == ["analgesics", "duplicates"]
    assert {p.source for p in aspirin.properties if p.name == "project"} == {"team.csv"}
    salt = reg.get("79559-97-0")
    assert salt.name == "sertraline hydrochloride"
    assert salt.is_salt
    assert salt.parent_id == reg.resolve("sertraline")

    # The enantiomer pair goes in on purpose, linked to the racemate as stereoisomers.
    again = reg.import_structures(TEAM, allow_stereoisomer=True)
    assert again.added == 2
    assert [line for line, _ in again.refused] == [18]
    found = {h.name for h in reg.search(stereoisomers="CC(C)Cc1ccc(cc1)C(C)C(=O)O")}
    assert found == {"ibuprofen", "dexibuprofen", "(R)-ibuprofen"}
    assert reg.get("51146-57-7").name == "(R)-ibuprofen"

    # 2. A tautomer is refused, naming the record and the layer; search finds it as one.
    hydroxypyridine = reg.resolve("2-hydroxypyridine")
    with pytest.raises(RelatedStructure) as refusal:
        reg.add("O=c1cccc[nH]1", name="2-pyridone")
    assert hydroxypyridine in str(refusal.value)
    assert "tautomer" in str(refusal.value)
    assert [h.registry_id for h in reg.search(tautomers="O=c1cccc[nH]1")] == [hydroxypyridine]

    # Re-importing the unchanged file changes nothing and writes no audit row.
    trail = len(reg.history(100_000))
    unchanged = reg.import_structures(TEAM, allow_stereoisomer=True)
    assert unchanged.added == 0
    assert unchanged.linked == 0
    assert len(reg.history(100_000)) == trail

    # 3. Editing, with before and after in the audit trail.
    edited = reg.edit("paracetamol", name="acetaminophen", add_synonyms=["APAP"])
    assert edited.compound.name == "acetaminophen"
    assert reg.get("103-90-2").registry_id == edited.compound.registry_id
    entry = reg.history(1, query="acetaminophen")[0]
    assert "paracetamol" in entry.detail
    assert "acetaminophen" in entry.detail
    reg.edit("caffeine", add_cas=[CasEntry("5743-12-4", "unknown")])  # caffeine monohydrate
    reg.edit("caffeine", set_role={"5743-12-4": "hydrate"})
    assert reg.get("5743-12-4").name == "caffeine"  # a hydrate number identifies it
    reg.edit("caffeine", remove_cas=["5743-12-4"])
    assert [e.number for e in reg.get("caffeine").cas] == ["58-08-2"]
    roles = [a.action for a in reg.history(3, query="caffeine")]
    assert roles == ["remove-cas", "set-role", "add-cas"]

    # A link by name or CAS, without the structure again.
    linked = reg.add(query="aspirin", cas=["50-78-2"], synonyms=["ASA"], link=True)
    assert "ASA" in linked.synonyms

    # 4. Retire: still readable, its numbers never name another compound.
    retired = reg.retire("acetone", "left the collection").compound
    assert reg.get("67-64-1").registry_id == retired.registry_id
    assert reg.get("67-64-1").retired_reason == "left the collection"
    with pytest.raises(Exception, match="67-64-1"):
        reg.edit("urea", add_cas=["67-64-1"])

    # 5. Merge a duplicate found late: the tautomer someone registered on purpose.
    pyridone = reg.add("O=c1cccc[nH]1", name="2(1H)-pyridinone", allow_tautomer=True)
    reg.edit(pyridone.registry_id, add_synonyms=["pyridin-2-ol"])
    reg.merge(pyridone.registry_id, hydroxypyridine, reason="one substance")
    kept = reg.get(pyridone.registry_id)
    assert kept.registry_id == hydroxypyridine
    assert {"pyridin-2-ol", "2(1H)-pyridinone"} <= set(kept.synonyms)
    actions = [a.action for a in reg.history(100_000, query=hydroxypyridine)]
    assert "merge" in actions

    # Round trip through every export format into empty registries.
    mine = _identity(reg)
    assert mine["acetone"][4:6] == ("retired", "left the collection")
    assert mine["2(1H)-pyridinone"][4:] == ("merged", "one substance", "2-hydroxypyridine")
    for fmt in ("md", "json", "csv", "sdf"):
        out = tmp_path / f"export-{fmt}"
        reg.export(fmt, out)
        target = f"sqlite:///{tmp_path / f'{fmt}.sqlite'}"
        with Registry.open(target, settings=registry_settings, seed=False) as copy:
            source = out if fmt == "md" else out / f"registry.{fmt}"
            if fmt == "md":
                copy.import_records(source)
            else:
                copy.import_structures(source)
            assert _identity(copy) == mine, fmt
            # and an unchanged export imported again changes nothing
            trail = len(copy.history(100_000))
            if fmt == "md":
                assert not copy.import_records(source).changed
            else:
                copy.import_structures(source, restart=True)
            assert len(copy.history(100_000)) == trail, fmt


def test_the_team_file_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Import reports the odd rows and exits 1; show gives the imported column with its value."""
    from typer.testing import CliRunner

    from registry.cli import app

    for name, value in cli_env(tmp_path).items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("REGISTRY_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    db = f"sqlite:///{tmp_path / 'team.sqlite'}"
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(TEAM), "--db", db])
    assert imported.exit_code == 1, imported.output
    assert "25 added" in imported.output
    assert "line 18: refused: tautomer of line 17" in imported.output
    shown = runner.invoke(app, ["show", "aspirin", "--db", db])
    assert shown.exit_code == 0, shown.output
    properties = shown.output.split("Properties:")[1].splitlines()
    assert [line.split() for line in properties[3:5]] == [
        ["project", "analgesics", "team.csv"],
        ["project", "duplicates", "team.csv"],
    ]
