"""Notes through the library, on SQLite and PostgreSQL: one section whatever its case, no note
twice, footnote warnings, editing and removing by number with the audit trail."""

from __future__ import annotations

import json
import threading
import warnings

import pytest
from sqlalchemy import text
from store_support import db_url, registry, registry_settings  # noqa: F401

from registry.config import Settings
from registry.errors import NotFound, ValidationError
from registry.models import SUGGESTED_SECTIONS, canonical_sections, section_key
from registry.service import Registry
from registry.service.notes import (
    DuplicateNote,
    FootnoteConflict,
    NoteWarning,
    UndefinedFootnote,
)


def _caught(action):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [w.message for w in caught if isinstance(w.message, NoteWarning)]


def _trail(registry: Registry, action: str) -> list[object]:
    with registry.store.read() as conn:
        rows = conn.execute(
            text("SELECT detail FROM audit WHERE action = :a ORDER BY id"), {"a": action}
        ).scalars()
        return [json.loads(row) for row in rows]


def test_canonical_sections_rule() -> None:
    assert canonical_sections(["side EFFECTS", "Pain  models", "pain models", "faqs"]) == [
        "Side effects",
        "Pain  models",  # the first spelling, exactly
        "Pain  models",
        "FAQs",
    ]
    assert {section_key(s) for s in SUGGESTED_SECTIONS} == {
        "usage",
        "mechanism",
        "side effects",
        "pharmacokinetics",
        "research",
        "faqs",
    }


def test_sections_are_one_whatever_their_case(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    registry.add_note("ethanol", "MECHANISM", "GABA-A.")
    registry.add_note("ethanol", "mechanism", "NMDA.")
    registry.add_note("ethanol", "pain MODELS", "Rats.")
    registry.add_note("ethanol", "Pain models", "Mice.")
    notes = registry.get("ethanol").notes
    assert [n.section for n in notes] == ["Mechanism", "Mechanism", "pain MODELS", "pain MODELS"]
    assert [n.body for n in registry.notes("ethanol", "  MeChAnIsM ")] == ["GABA-A.", "NMDA."]
    # Notes stored before the rule (another spelling in the database) read as one section.
    with registry.store.write() as conn:
        conn.execute(text("UPDATE notes SET section = 'mechanism' WHERE body = 'NMDA.'"))
    assert [n.section for n in registry.get("ethanol").notes][:2] == ["Mechanism", "Mechanism"]


def test_an_identical_note_is_not_added_twice(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    _first, said = _caught(lambda: registry.add_note("ethanol", "usage", "A solvent.", source="a"))
    assert said == []
    again, said = _caught(lambda: registry.add_note("ethanol", "USAGE", "A solvent.\n", source="b"))
    assert [type(w) for w in said] == [DuplicateNote]
    assert str(said[0]) == (
        "REG-000001 has this note already (note 1, 'Usage', source 'a'): not added again"
    )
    assert (again.section, again.body, again.source) == ("Usage", "A solvent.", "a")
    assert len(registry.get("ethanol").notes) == 1
    assert [d["section"] for d in _trail(registry, "note")] == ["Usage"]  # type: ignore[index]


def test_footnote_warnings_name_the_markers(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    _, said = _caught(
        lambda: registry.add_note("ethanol", "usage", "Solvent[^1][^3][^2].\n\n[^1]: Smith 2020.")
    )
    assert [type(w) for w in said] == [UndefinedFootnote]
    assert said[0].labels == ("3", "2")  # type: ignore[attr-defined]
    assert "[^3], [^2]" in str(said[0])
    # Another note's definition serves this one; a different definition of [^1] is a conflict.
    _, said = _caught(lambda: registry.add_note("ethanol", "research", "Also[^1]."))
    assert said == []
    _, said = _caught(lambda: registry.add_note("ethanol", "FAQs", "Why[^1]?\n[^1]: Jones."))
    assert [type(w) for w in said] == [FootnoteConflict]
    assert "[^1] is defined differently by note 1" in str(said[0])
    # A definition inside a code block defines nothing.
    _, said = _caught(
        lambda: registry.add_note("ethanol", "research", "X[^9].\n```\n[^9]: code\n```")
    )
    assert [w.labels for w in said] == [("9",)]  # type: ignore[attr-defined]


def test_edit_note_changes_fields_with_one_audit_row(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    registry.add_note("ethanol", "usage", "A solvent.", source="PMID 1")
    registry.add_note("ethanol", "mechanism", "GABA-A.")
    change = registry.edit_note("ethanol", 1, section="pharmacokinetics", body="t½ 4 h.")
    assert change.changed == ("section", "body")
    assert change.before.body == "A solvent."
    assert change.after is not None
    assert (change.after.section, change.after.body, change.after.source) == (
        "Pharmacokinetics",
        "t½ 4 h.",
        "PMID 1",
    )
    notes = registry.get("ethanol").notes
    assert [(n.section, n.body) for n in notes] == [
        ("Pharmacokinetics", "t½ 4 h."),
        ("Mechanism", "GABA-A."),
    ]
    assert _trail(registry, "note-edit") == [
        [
            {"field": "section", "before": "Usage", "after": "Pharmacokinetics"},
            {"field": "body", "before": "A solvent.", "after": "t½ 4 h."},
        ]
    ]
    # The same values again change nothing and write no row.
    same = registry.edit_note("ethanol", 1, section="PHARMACOKINETICS", source="PMID 1")
    assert same.changed == ()
    assert len(_trail(registry, "note-edit")) == 1
    one = registry.edit_note("ethanol", 2, source="PMID 2")
    assert one.changed == ("source",)
    assert _trail(registry, "note-edit")[-1] == {
        "field": "source",
        "before": "user",
        "after": "PMID 2",
    }


def test_edit_note_refusals(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    registry.add_note("ethanol", "usage", "A solvent.")
    registry.add_note("ethanol", "usage", "A fuel.")
    with pytest.raises(NotFound, match="REG-000001 has no note 3; its notes are 1 to 2"):
        registry.edit_note("ethanol", 3, body="x")
    with pytest.raises(ValidationError, match="nothing to change"):
        registry.edit_note("ethanol", 1)
    with pytest.raises(ValidationError, match="would make note 2 of REG-000001 repeat note 1"):
        registry.edit_note("ethanol", 2, body="A solvent.")
    with pytest.raises(ValidationError, match="heading"):
        registry.edit_note("ethanol", 1, body="## Injected\nx")
    with pytest.raises(TypeError, match="number must be an int"):
        registry.edit_note("ethanol", "1", body="x")  # type: ignore[arg-type]
    assert [n.body for n in registry.get("ethanol").notes] == ["A solvent.", "A fuel."]
    assert _trail(registry, "note-edit") == []


def test_remove_note_keeps_it_in_the_trail(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    registry.add_note("ethanol", "usage", "Solvent[^1].\n\n[^1]: Smith.", source="PMID 1")
    registry.add_note("ethanol", "mechanism", "GABA-A[^1].")
    registry.add_note("ethanol", "FAQs", "Why?")
    change, said = _caught(lambda: registry.remove_note("ethanol", 1))
    assert change.after is None
    assert change.changed == ("note",)
    # Note 2 (now 1) cited the definition that went with note 1.
    assert [str(w) for w in said] == [
        "note 1 of REG-000001 cites [^1], whose definition this change took away"
    ]
    assert [(n, note.body) for n, note in registry.numbered_notes("ethanol")] == [
        (1, "GABA-A[^1]."),
        (2, "Why?"),
    ]
    assert _trail(registry, "note-remove") == [
        {
            "field": "note",
            "before": {
                "section": "Usage",
                "body": "Solvent[^1].\n\n[^1]: Smith.",
                "source": "PMID 1",
            },
            "after": None,
        }
    ]
    with pytest.raises(NotFound, match="no note 5"):
        registry.remove_note("ethanol", 5)
    registry.add("CO", name="methanol")
    with pytest.raises(NotFound, match="REG-000002 has no note 1; it has no notes"):
        registry.remove_note("methanol", 1)


def test_concurrent_edits_of_one_note_lose_nothing(
    registry: Registry, db_url: str, registry_settings: Settings
) -> None:
    registry.add("CCO", name="ethanol")
    registry.add_note("ethanol", "usage", "A solvent.")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def edit(**change: str) -> None:
        try:
            with Registry.open(db_url, settings=registry_settings, seed=False) as mine:
                barrier.wait()
                for _ in range(3):
                    mine.edit_note("ethanol", 1, **change)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=edit, kwargs={"source": "PMID 1"}),
        threading.Thread(target=edit, kwargs={"body": "A fuel."}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [note] = registry.get("ethanol").notes
    assert (note.body, note.source) == ("A fuel.", "PMID 1")
    # Each change once (repeating it changes nothing and writes no row).
    assert sorted(d["field"] for d in _trail(registry, "note-edit")) == ["body", "source"]  # type: ignore[index]
