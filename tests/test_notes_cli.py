"""`registry note add|show|edit|remove` through typer's runner: --text, numbers, warnings on
stderr, the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_support import in_process_cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    invoke = in_process_cli(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'notes.sqlite'}")
    invoke("add", "CCO", "--name", "ethanol")
    return invoke


def test_add_with_text_file_or_stdin(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = run("note", "add", "ethanol", "--section", "MECHANISM", "--text", "GABA-A.")
    assert out.stdout == "note 'Mechanism' added to REG-000002 (ethanol)\n"
    assert out.stderr == ""
    note = tmp_path / "n.md"
    note.write_text("From a file.\n", encoding="utf-8")
    run("note", "add", "ethanol", "--section", "usage", "--file", str(note))
    run("note", "add", "ethanol", "--section", "usage", "--file", "-", input="From stdin.")
    shown = json.loads(run("note", "show", "ethanol", "-f", "json").stdout)
    assert [(n["number"], n["section"], n["body"]) for n in shown] == [
        (1, "Mechanism", "GABA-A."),
        (2, "Usage", "From a file."),
        (3, "Usage", "From stdin."),
    ]
    both = run(
        "note", "add", "ethanol", "--section", "usage", "--text", "x", "--file", "-", expect=2
    )
    assert "give the note with --text or --file, not both" in both.output
    neither = run("note", "add", "ethanol", "--section", "usage", expect=2)
    assert "give the note with --text TEXT or --file FILE" in neither.output


def test_duplicate_and_footnote_warnings(run) -> None:  # type: ignore[no-untyped-def]
    body = "Sedation[^1][^2].\n\n[^1]: Smith 2020."
    first = run("note", "add", "ethanol", "--section", "side effects", "--text", body)
    assert first.stderr == (
        "warning: the note cites [^2] without a definition: no note of REG-000002 has a line "
        "'[^2]: ...'\n"
    )
    again = run("note", "add", "ethanol", "--section", "Side Effects", "--text", body)
    assert again.stdout == (
        "REG-000002 has this note already (note 1, 'Side effects', source 'user'): "
        "not added again\n"
    )
    out = run("note", "show", "ethanol")
    assert out.stdout.count("## Side effects  (note 1; source: user; cites 1, 2)") == 1
    assert "## " not in out.stdout.split("cites 1, 2)", 1)[1]  # one note only


def test_edit_and_remove_by_number(run) -> None:  # type: ignore[no-untyped-def]
    run("note", "add", "ethanol", "--section", "usage", "--text", "A solvent.")
    run("note", "add", "ethanol", "--section", "mechanism", "--text", "GABA-A.")
    out = run("note", "edit", "ethanol", "1", "--section", "research", "--source", "PMID 7")
    assert out.stdout == "note 1 of REG-000002 edited (section, source)\n"
    out = run("note", "edit", "ethanol", "1", "--section", "RESEARCH")
    assert out.stdout == "nothing changed: note 1 of REG-000002 is as given\n"
    out = run("note", "edit", "ethanol", "2", "--text", "NMDA.", "-f", "json")
    [change] = json.loads(out.stdout)
    assert change["changed"] == ["body"]
    assert (change["before"]["body"], change["after"]["body"]) == ("GABA-A.", "NMDA.")
    out = run("note", "edit", "ethanol", "9", "--text", "x", expect=1)
    assert out.output == "error: REG-000002 has no note 9; its notes are 1 to 2\n"
    out = run("note", "remove", "ethanol", "1")
    assert out.stdout == "note 1 of REG-000002 removed\n"
    shown = json.loads(run("note", "show", "ethanol", "-f", "json").stdout)
    assert [(n["number"], n["section"], n["body"]) for n in shown] == [(1, "Mechanism", "NMDA.")]
    history = run("show", "ethanol", "--history").stdout
    trail = [line.split(None, 3)[2:] for line in history.split("History:\n")[1].splitlines()]
    assert [entry[0] for entry in trail] == [
        "register",
        "note",
        "note",
        "note-edit",
        "note-edit",
        "note-remove",
    ]
    assert json.loads(trail[3][1]) == [
        {"after": "Research", "before": "Usage", "field": "section"},
        {"after": "PMID 7", "before": "user", "field": "source"},
    ]
    assert json.loads(trail[5][1])["before"] == {
        "body": "A solvent.",
        "section": "Research",
        "source": "PMID 7",
    }
    out = run("note", "edit", "ethanol", "1", expect=2)
    assert "nothing to change: give --section, --text (or --file) or --source" in out.output
