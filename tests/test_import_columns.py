"""registry import FILE keeps every column: CAS numbers checked first, identifiers, properties.

Each test imports a small file into an empty registry (``seed=False``) and checks exactly what
was stored, what the report says (with line numbers) and what the audit trail holds.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdkit import Chem
from store_support import MILNACIPRAN, PYTHON, ROOT, cli_env, db_url  # noqa: F401  (fixture)

from registry.config import Settings
from registry.errors import InputFileError, ValidationError
from registry.models import CasEntry, Identifier, Property
from registry.service import Registry

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
SALICYLIC = "OC(=O)c1ccccc1O"
TEAM = (
    "smiles,name,CAS No.,project,IC50_nM,batch\n"
    f"{ASPIRIN},aspirin,50-78-2,alpha,12.5,007\n"
    f"{MILNACIPRAN},milnacipran,92623-85-3; 101152-94-7 (salt),beta,,B-2\n"
    "CCO,ethanol,64-17-6,gamma,1,\n"
    f"{SALICYLIC},salicylic acid,,alpha,3e-2,\n"
)


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"REGISTRY_DATA_DIR": str(tmp_path / "data"), "REGISTRY_CACHE_DIR": str(tmp_path / "c")},
        author="tester",
        offline=True,
    )


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    with Registry.open(url, settings=_settings(tmp_path), seed=False) as reg:
        yield reg


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _values(registry: Registry, query: str) -> dict[str, tuple[float | None, str, str]]:
    return {
        p.name: (p.value, p.text, p.source)
        for p in registry.get(query).properties
        if p.source != "rdkit"
    }


def test_a_team_table_keeps_cas_numbers_and_every_other_column(
    registry: Registry, tmp_path: Path
) -> None:
    report = registry.import_structures(_file(tmp_path, "team.csv", TEAM), workers=1)
    assert (report.added, report.linked) == (3, 3)
    assert report.refused == [
        (4, "CAS '64-17-6': check digit is 6, expected 5 (did you mean 64-17-5 or 64-18-6 or "
            "61-17-6?)")
    ]  # fmt: skip
    assert not report.complete
    assert [u.describe() for u in report.columns] == [
        "CAS No.: CAS numbers, role parent (detected)",
        "project: property 'project' (source team.csv)",
        "IC50_nM: property 'IC50_nM' (source team.csv)",
        "batch: property 'batch' (source team.csv)",
    ]
    assert registry.get("50-78-2").cas == (CasEntry("50-78-2", "parent", "", "team.csv"),)
    assert [(e.number, e.role) for e in registry.get("milnacipran").cas] == [
        ("92623-85-3", "parent"),
        ("101152-94-7", "salt"),
    ]
    assert _values(registry, "aspirin") == {
        "project": (None, "alpha", "team.csv"),
        "IC50_nM": (12.5, "", "team.csv"),
        "batch": (7.0, "007", "team.csv"),  # the number, and the text as written
    }
    assert _values(registry, "salicylic acid")["IC50_nM"] == (0.03, "3e-2", "team.csv")
    assert registry.find("ethanol") == ()  # the refused row is not imported at all
    link = next(
        h for h in registry.history() if h.action == "link" and h.registry_id == "REG-000002"
    )
    assert json.loads(link.detail) == {
        "added": {
            "cas": ["92623-85-3 (parent)", "101152-94-7 (salt)"],
            "property": ["project", "batch"],
        },
        "rows": [3],
        "source": "import:team.csv",
    }


def test_keep_invalid_cas_imports_the_row_without_the_number(
    registry: Registry, tmp_path: Path
) -> None:
    report = registry.import_structures(
        _file(tmp_path, "team.csv", TEAM), keep_invalid_cas=True, workers=1
    )
    assert report.complete
    assert report.added == 4
    assert (4, "CAS '64-17-6': check digit is 6, expected 5 (did you mean 64-17-5 or 64-18-6 or "
               "61-17-6?); imported without it") in report.warnings  # fmt: skip
    ethanol = registry.get("ethanol")
    assert ethanol.cas == ()
    assert _values(registry, "ethanol") == {"project": (None, "gamma", "team.csv"),
                                            "IC50_nM": (1.0, "", "team.csv")}  # fmt: skip


def test_importing_the_same_file_again_changes_nothing_and_a_changed_value_is_audited(
    registry: Registry, tmp_path: Path
) -> None:
    path = _file(tmp_path, "team.csv", TEAM)
    registry.import_structures(path, workers=1)
    trail = registry.history(limit=1000)
    again = registry.import_structures(path, workers=1)
    assert (again.added, again.already_registered, again.linked) == (0, 3, 0)
    assert registry.history(limit=1000) == trail  # no audit row
    path.write_text(TEAM.replace("alpha,12.5", "alpha,14"), encoding="utf-8")
    changed = registry.import_structures(path, workers=1)
    assert changed.linked == 1
    assert _values(registry, "aspirin")["IC50_nM"] == (14.0, "", "team.csv")
    (entry,) = [h for h in registry.history(limit=1000) if h not in trail]
    assert (entry.action, entry.registry_id) == ("link", "REG-000001")
    assert json.loads(entry.detail)["changed"] == [
        {"field": "IC50_nM [source: team.csv]", "before": [12.5], "after": [14.0]}
    ]


def test_named_columns_roles_and_properties(registry: Registry, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "salts.csv",
        "SMILES;Compound;Base;Salt;Hydrate;Notes;Vendor;Price\n"
        f"{MILNACIPRAN}.Cl;milnacipran HCl;;101152-94-7;;Given twice daily.;ACME;10\n",
    )
    report = registry.import_structures(
        path,
        cas_columns={"salt": "salt", "Hydrate": "hydrate"},
        properties=["vendor"],
        workers=1,
    )
    assert report.complete
    compound = registry.get("milnacipran HCl")
    assert compound.cas == (CasEntry("101152-94-7", "salt", "", "salts.csv"),)
    assert [(n.section, n.body, n.source) for n in compound.notes] == [
        ("notes", "Given twice daily.", "salts.csv")
    ]
    assert _values(registry, "milnacipran HCl") == {"Vendor": (None, "ACME", "salts.csv")}
    uses = {u.column: (u.use, u.why) for u in report.columns}
    assert uses["Base"] == ("not kept", "not in properties=COLUMNS")  # named CAS columns only
    assert uses["Price"] == ("not kept", "not in properties=COLUMNS")
    with pytest.raises(InputFileError, match=r"cas_columns='Parent': no such column"):
        registry.import_structures(path, cas_columns=["Parent"], workers=1)
    with pytest.raises(ValidationError, match=r"cas_role='free base' is not one of parent"):
        registry.import_structures(path, cas_role="free base", workers=1)


def test_a_number_another_compound_holds_is_reported_never_moved(
    db_url: str,
    tmp_path: Path,
) -> None:
    with Registry.open(db_url, settings=_settings(tmp_path), seed=False) as registry:
        registry.add(ASPIRIN, name="aspirin", cas=["50-78-2"])
        path = _file(
            tmp_path,
            "mixed.csv",
            "smiles,name,cas,pubchem_cid,synonyms\n"
            f"{SALICYLIC},salicylic acid,50-78-2; 69-72-7,338,2-hydroxybenzoic acid\n"
            f"{ASPIRIN},ASA,,2244,acetylsalicylic acid; Aspirin\n"
            "CCO,ethanol,69-72-7,x12,\n",
        )
        report = registry.import_structures(path, workers=1)
        assert report.conflicts == [
            (2, "CAS 50-78-2 already identifies REG-000001; not attached to REG-000002"),
            (4, "CAS 69-72-7 already identifies REG-000002; not attached to REG-000003"),
        ]
        assert report.warnings == [(4, "PubChem CID 'x12' is not a CID; not stored")]
        salicylic = registry.get("salicylic acid")
        assert [e.number for e in salicylic.cas] == ["69-72-7"]
        assert salicylic.identifiers == (Identifier("pubchem_cid", "338", "mixed.csv"),)
        aspirin = registry.get("50-78-2")
        assert aspirin.name == "aspirin"  # the row's other name becomes a synonym
        assert aspirin.synonyms == ("acetylsalicylic acid", "ASA")
        assert registry.get("CID 2244").registry_id == aspirin.registry_id


def test_an_sd_file_keeps_its_tags(registry: Registry, tmp_path: Path) -> None:
    blocks = []
    for name, smiles, tags in (
        (
            "aspirin",
            ASPIRIN,
            {"CAS_RN": "50-78-2", "Assay": "0.5\nrepeat 0.6", "UNII": "R16CO5Y76E"},
        ),
        ("ethanol", "CCO", {"CAS_RN": "64-17-5", "Assay": "2"}),
    ):
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        text = Chem.MolToMolBlock(mol)
        text += "".join(f">  <{tag}>\n{value}\n\n" for tag, value in tags.items())
        blocks.append(text + "$$$$\n")
    report = registry.import_structures(_file(tmp_path, "lib.sdf", "".join(blocks)), workers=1)
    assert report.complete
    assert report.added == 2
    aspirin = registry.get("aspirin")
    assert [(e.number, e.role, e.source) for e in aspirin.cas] == [("50-78-2", "parent", "lib.sdf")]
    assert aspirin.identifiers == (Identifier("unii", "R16CO5Y76E", "lib.sdf"),)
    assert _values(registry, "aspirin") == {"Assay": (None, "0.5\nrepeat 0.6", "lib.sdf")}
    assert _values(registry, "64-17-5") == {"Assay": (2.0, "", "lib.sdf")}


def test_a_workbook_with_a_title_row(registry: Registry, tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Team collection, May"])
    sheet.append(["Structure", "Name", "CAS", "CID", "logD"])
    sheet.append([ASPIRIN, "aspirin", "50-78-2", 2244.0, 1.25])
    sheet.append(["CCO", "ethanol", dt.datetime(1964, 5, 17), None, None])  # Excel's date
    path = tmp_path / "team.xlsx"
    book.save(path)
    report = registry.import_structures(path, workers=1)
    assert report.added == 1
    assert [line for line, _ in report.refused] == [4]
    assert "CAS '1964-05-17'" in report.refused[0][1]
    aspirin = registry.get("aspirin")
    assert [e.number for e in aspirin.cas] == ["50-78-2"]
    assert aspirin.identifiers == (Identifier("pubchem_cid", "2244", "team.xlsx"),)
    assert _values(registry, "aspirin") == {"logD": (1.25, "", "team.xlsx")}


def test_a_cas_column_found_by_content(registry: Registry, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "list.csv",
        f"smiles,number,remark\n{ASPIRIN},50-78-2,see 1999 paper\nCCO,64-17-5,\n",
    )
    report = registry.import_structures(path, workers=1)
    assert [(u.column, u.use, u.why) for u in report.columns][:2] == [
        ("number", "cas", "detected"),
        ("remark", "property", ""),
    ]
    assert registry.get("64-17-5").name == "CCO"


def test_the_command_line_reports_rows_and_exits_1(tmp_path: Path) -> None:
    path = _file(tmp_path, "team.csv", TEAM)
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    with Registry.open(db, settings=_settings(tmp_path), seed=False):
        pass
    command = [PYTHON, "-m", "registry", "import", str(path), "--db", db]
    done = subprocess.run(
        [*command, "--cas-column", "CAS No.:parent", "--property", "project"],
        cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.startswith("team.csv: 3 added, 0 already registered")
    assert "line 4: refused: CAS '64-17-6': check digit is 6, expected 5" in done.stderr
    assert "IC50_nM: not kept (not in --property COLUMNS)" in done.stderr
    again = subprocess.run(
        [*command, "--format", "json", "--keep-invalid-cas"],
        cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert (data["added"], data["complete"], data["refused"]) == (1, True, [])
    bad = subprocess.run(
        [*command, "--cas-role", "free base"],
        cwd=ROOT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: --cas-role 'free base' is not one of parent")


def test_a_json_file_that_is_not_an_export_is_refused(registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="a JSON export is a list of compounds, not dict"):
        registry.import_structures(_file(tmp_path, "x.json", '{"smiles": "CCO"}'), workers=1)
    path = _file(
        tmp_path,
        "y.json",
        json.dumps([{"smiles": "CCO", "name": "ethanol", "cas": [{"number": "64-17-6"}]},
                    {"smiles": ASPIRIN, "name": "aspirin",
                     "properties": [{"name": "logD", "value": 1.2, "source": "lab"}]}]),
    )  # fmt: skip
    report = registry.import_structures(path, workers=1)
    assert report.refused == [(1, "CAS '64-17-6': check digit is 6, expected 5")]
    assert _values(registry, "aspirin") == {"logD": (1.2, "", "lab")}
    assert isinstance(registry.get("aspirin").properties[0], Property)


def test_an_enantiomer_pair_is_refused_unless_allowed_or_exported_as_a_pair(
    registry: Registry, tmp_path: Path
) -> None:
    header = "smiles,name,stereoisomers\n"
    rows = "C[C@@H](O)CC,(R)-butan-2-ol,\nC[C@H](O)CC,(S)-butan-2-ol,{}\n"
    plain = registry.import_structures(
        _file(tmp_path, "a.csv", header + rows.format("")), workers=1
    )
    assert plain.added == 1
    assert [line for line, _ in plain.refused] == [3]
    assert plain.refused[0][1] == "stereoisomer of line 2"
    exported = _file(tmp_path, "b.csv", header + rows.format("REG-000001"))
    pair = registry.import_structures(exported, workers=1)
    assert (pair.added, pair.already_registered, pair.refused) == (1, 1, [])
    assert registry.get("(S)-butan-2-ol").stereoisomers == ("REG-000001",)


def test_no_cell_is_dropped_and_a_cas_header_without_numbers_is_explained(
    registry: Registry, tmp_path: Path
) -> None:
    path = _file(tmp_path, "odd.csv", "smiles,name,CAS,\nCCO,ethanol,n/a,extra,more\nC,methane\n")
    report = registry.import_structures(path, workers=1)
    assert [(u.column, u.use, u.why) for u in report.columns] == [
        (
            "CAS",
            "property",
            "its cells are not CAS numbers; cas_columns=[COLUMN] reads them as such",
        ),
        ("column_4", "property", ""),
        ("column_5", "property", ""),
    ]
    assert _values(registry, "ethanol") == {
        "CAS": (None, "n/a", "odd.csv"),
        "column_4": (None, "extra", "odd.csv"),
        "column_5": (None, "more", "odd.csv"),
    }


def test_a_salt_rows_own_number_is_recorded_as_the_salts(
    registry: Registry, tmp_path: Path
) -> None:
    """A number read with the column's role ``parent`` on a row whose structure is a salt
    names the salt (as a lookup records it); a number the cell tags keeps its tag."""
    path = _file(
        tmp_path,
        "salts.csv",
        "smiles,name,cas\n"
        f"{MILNACIPRAN}.Cl,milnacipran hydrochloride,101152-94-7\n"
        f"{MILNACIPRAN},milnacipran,92623-85-3\n"
        "CC(=O)[O-].[Na+],sodium acetate,127-09-3; 64-19-7 (parent)\n",
    )
    report = registry.import_structures(path, with_descriptors=False)
    assert report.added == 3, report
    roles = {
        c.name: [(e.number, e.role) for e in c.cas] for c in registry.list_compounds(full=True)
    }
    assert roles["milnacipran hydrochloride"] == [("101152-94-7", "salt")]
    assert roles["milnacipran"] == [("92623-85-3", "parent")]
    assert roles["sodium acetate"] == [("127-09-3", "salt"), ("64-19-7", "parent")]
