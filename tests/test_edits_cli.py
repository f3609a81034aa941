"""`registry edit|retire|merge|history`, and what `show`, `list`, `add --link` and `import` do
with edited, retired and merged records, through typer's runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from store_support import in_process_cli

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    invoke = in_process_cli(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return lambda *args, expect=0: invoke(*args, expect=expect).output


def test_edit_and_its_errors(run) -> None:  # type: ignore[no-untyped-def]
    run("add", "asprin", "--smiles", ASPIRIN)
    out = run("edit", "asprin", "--name", "aspirin", "--add-cas", "50-78-2", "--add-synonym", "ASA")
    assert out.splitlines() == [
        "REG-000002 (aspirin): edit",
        "  name: asprin -> aspirin",
        "  + cas: 50-78-2 (parent)",
        "  + synonym: ASA",
    ]
    out = run("edit", "50-78-2", "--set-role", "50-78-2:parent", "--add-cas", "50-78-2:parent")
    assert out == "REG-000002 (aspirin): nothing to change\n"
    data = json.loads(
        run("edit", "ASA", "--add-cas", "11126-35-5:unknown:impurity", "--format", "json")
    )
    assert data == [
        {
            "registry_id": "REG-000002",
            "name": "aspirin",
            "status": "active",
            "action": "add-cas",
            "changes": [{"field": "cas", "before": None, "after": "11126-35-5 (unknown)"}],
        }
    ]
    assert "11126-35-5  unknown  impurity  user" in run("show", "aspirin")
    # A library error names the flag; a malformed value is a usage error (exit 2).
    out = run("edit", "aspirin", "--add-cas", "50-78-3", expect=1)
    assert out.startswith("error: --add-cas 50-78-3: ")
    assert "check digit" in out
    assert len(out.splitlines()) == 1
    out = run("edit", "aspirin", "--set-role", "92623-85-3:salt", expect=1)
    assert out == (
        "error: --set-role 92623-85-3:salt: REG-000002 (aspirin) has no CAS number 92623-85-3; "
        "add it with --add-cas \n"
    )
    out = run("edit", "aspirin", "--add-cas", "92623-85-3", expect=1)
    assert out == "error: CAS 92623-85-3 already identifies REG-000001 (milnacipran)\n"
    out = run("edit", "aspirin", "--set-role", "50-78-2", expect=2)
    assert "Invalid value for '--set-role': '50-78-2' is not NUMBER:ROLE" in out
    out = run("edit", "aspirin", "--add-id", "unii", expect=2)
    assert "is not KIND:VALUE" in out


def test_retire_merge_show_list_history(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", "aspirin", "--smiles", ASPIRIN, "--cas", "50-78-2")
    run("add", "salicylic acid", "--smiles", "Oc1ccccc1C(=O)O", "--cas", "69-72-7")
    run("add", "ethanol", "--smiles", "CCO")
    assert "say why the record is retired" in run("retire", "ethanol", expect=2)
    out = run("retire", "ethanol", "--reason", "not a drug")
    assert out.splitlines() == ["REG-000004 (ethanol): retire", "  + retired: not a drug"]
    assert "retired already on " in run("retire", "ethanol", "--reason", "again")
    [line] = [x for x in run("show", "ethanol").splitlines() if "RETIRED" in x]
    assert line.startswith("  RETIRED on 20")
    assert line.endswith(": not a drug")
    listed = run("list", "--format", "csv")
    assert [r["name"] for r in csv.DictReader(io.StringIO(listed))] == [
        "milnacipran",
        "aspirin",
        "salicylic acid",
    ]
    every = list(csv.DictReader(io.StringIO(run("list", "--all", "--format", "csv"))))
    assert [(r["name"], r["status"]) for r in every][-1] == ("ethanol", "retired: not a drug")
    assert "name: ethanol [retired]" in run("search", "ethanol")
    assert "is retired (not a drug); restore it" in run("edit", "ethanol", "--name", "x", expect=1)
    assert run("retire", "ethanol", "--undo").splitlines()[1] == "  - retired: not a drug"

    out = run("merge", "salicylic acid", "aspirin", "--reason", "duplicate found late")
    assert out.splitlines() == [
        "REG-000002 (aspirin): merge",
        "  + merged_from: REG-000003",
        "  + cas: 69-72-7 (parent)",
        "  + synonym: salicylic acid",
    ]
    shown = run("show", "REG-000003")
    assert shown.startswith("REG-000002  aspirin\n")
    assert "  (REG-000003 was merged into this record; its queries lead here)" in shown
    assert "  merged from: REG-000003" in shown
    assert json.loads(run("show", "REG-000003", "-f", "json"))[0]["redirected_from"] == "REG-000003"
    assert json.loads(run("show", "69-72-7", "-f", "json"))[0]["redirected_from"] == ""  # moved
    out = run("merge", "REG-000003", "ethanol", expect=1)
    assert "was merged into REG-000002 already" in out

    entries = json.loads(run("history", "aspirin", "--format", "json"))
    assert [(e["registry_id"], e["action"]) for e in entries] == [
        ("REG-000002", "merge"),
        ("REG-000003", "merge"),
        ("REG-000003", "register"),
        ("REG-000002", "register"),
    ]
    assert entries[1]["detail"][0] == {
        "field": "merged_into",
        "before": None,
        "after": "REG-000002",
    }
    rows = list(csv.DictReader(io.StringIO(run("history", "--action", "retire", "-f", "csv"))))
    assert [(r["registry_id"], r["author"], r["detail"]) for r in rows] == [
        ("REG-000004", "tester", '{"after": "not a drug", "before": null, "field": "retired"}')
    ]
    assert run("history", "--author", "nobody", "-f", "json") == "[]\n"
    assert "no changes recorded that match" in run("history", "--since", "2999-01-01")
    out = run("history", "--since", "last week", expect=1)
    assert out.startswith("error: --since 'last week': not a date")
    table = run("history", "--limit", "1")
    assert table.splitlines()[0].split() == ["at", "registry_id", "author", "action", "detail"]
    assert table.splitlines()[2].split()[1:4] == ["REG-000002", "tester", "merge"]  # one entry


def test_add_link_by_name_and_unchanged_export_reimport(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("add", "aspirin", "--smiles", ASPIRIN)
    out = run("add", "aspirin", "--cas", "50-78-2", "--link")  # no structure given again
    assert "REG-000002" in out
    assert "50-78-2 (parent)" in out
    [entry] = json.loads(run("history", "--limit", "1", "-f", "json"))
    assert entry["action"] == "link"
    assert entry["detail"]["changes"] == [
        {"field": "cas", "before": None, "after": "50-78-2 (parent)"}
    ]
    run("add", "ethanol", "--smiles", "CCO", "--cas", "64-17-5", "--synonym", "spirit")
    folder = tmp_path / "export"
    run("export", "--format", "md", "--out", str(folder))
    before = run("history", "-f", "json")
    assert "nothing changed (3 record(s) already up to date)" in run("import", str(folder))
    assert run("history", "-f", "json") == before  # no audit row
    # A changed file is an update, with its audit row.
    page = folder / "ethanol.md"
    page.write_text(page.read_text().replace("name: ethanol", "name: ethyl alcohol", 1))
    assert "0 added, 1 updated, 2 unchanged" in run("import", str(folder))
    assert json.loads(run("history", "--limit", "1", "-f", "json"))[0]["action"] == "import-update"
