"""Footnotes in record files: each definition written once, the notes read back unchanged, and
sections in one canonical spelling."""

from __future__ import annotations

import warnings
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.models import Note
from registry.records import markdown
from registry.records.note_text import (
    citations,
    definitions,
    fold_footnotes,
    undefined_citations,
    unfold_footnotes,
)
from registry.service import Registry

SMITH = "[^1]: Smith J. Pain 2020;1:1.\n    Second line of the reference."


def test_definitions_and_citations() -> None:
    body = f"Pain[^1], mood[^2].\n\n{SMITH}\n[^2]: Jones, cited with [^3].\n```\n[^4]: code\n```"
    assert definitions(body) == {"1": SMITH, "2": "[^2]: Jones, cited with [^3]."}
    assert citations(body) == ("1", "2", "3")  # a definition's own label is not a citation
    assert undefined_citations(body) == ("3",)
    assert undefined_citations(body, {"3": "[^3]: x"}) == ()


def test_a_record_writes_each_definition_once_and_reads_back_the_same_notes() -> None:
    notes = (
        Note("Mechanism", f"SERT[^1].\n\n{SMITH}", "a"),
        Note("Usage", f"Pain[^1][^2].\n\n{SMITH}\n[^2]: Jones.", "a"),
        Note("Research", "Rats[^2].\n\n[^2]: Jones.", "a"),
        Note("Research", "Mice[^2].\n\n[^2]: Other.", "a"),  # differs: kept
    )
    record = markdown.Record(slug="x", name="x", smiles="C", notes=notes)
    text = markdown.render(record)
    assert text.count("[^1]: Smith J. Pain 2020;1:1.") == 1
    assert text.count("[^2]: Jones.") == 1
    assert text.count("[^2]: Other.") == 1
    assert text.count("<!-- footnote [^1] as above -->") == 1
    assert text.count("<!-- footnote [^2] as above -->") == 1
    back = markdown.parse(text, slug="x")
    assert [(n.section, n.body) for n in back.notes] == [(n.section, n.body) for n in notes]
    assert back.notes[1].citations == ("1", "2")
    assert markdown.render(back) == text


def test_an_as_above_line_without_an_earlier_definition_is_text() -> None:
    bodies = ["Alone[^5].\n<!-- footnote [^5] as above -->"]
    assert unfold_footnotes(bodies) == bodies
    assert fold_footnotes(bodies) == bodies


def test_sections_read_from_a_file_take_the_canonical_spelling() -> None:
    text = (
        "---\nname: x\nsmiles: C\n---\n\n## mechanism\n\nA.\n\n"
        "## pain MODELS\n\nB.\n\n## Pain models\n\nC.\n"
    )
    record = markdown.parse(text, slug="x")
    assert [n.section for n in record.notes] == ["Mechanism", "pain MODELS", "pain MODELS"]


_LABEL = st.sampled_from(["1", "2", "a"])
_LINE = st.one_of(
    st.builds(lambda label: f"Text[^{label}].", _LABEL),
    st.builds(lambda label, t: f"[^{label}]: {t}", _LABEL, st.sampled_from(["Smith.", "Jones."])),
    st.just("    continued."),
    st.just("plain"),
    st.just("```"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_LINE, min_size=1, max_size=6), min_size=1, max_size=4))
@example([["[^1]: Jones."], ["[^1]: Smith."], ["[^1]: Smith."]])  # a label redefined between
@example([["[^1]: Smith."], ["[^1]: Jones."], ["[^1]: Smith."]])
def test_fold_then_unfold_gives_the_bodies_back(bodies_lines: list[list[str]]) -> None:
    bodies = ["\n".join(lines) for lines in bodies_lines]
    folded = fold_footnotes(bodies)
    assert unfold_footnotes(folded) == bodies
    # A definition in the words of its label's latest one in an earlier body is not written
    # again (a marker names the label only, so it can stand for the latest alone).
    latest: dict[str, str] = {}
    for body, original in zip(folded, bodies, strict=True):
        for label, block in definitions(body).items():
            assert latest.get(label) != block, (label, block)
        latest.update(definitions(original))


def test_export_and_import_reproduce_the_notes(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Registry.open("sqlite://", seed=False, author="t") as first:
            first.add("CCO", name="ethanol")
            first.add_note("ethanol", "MECHANISM", f"GABA[^1].\n\n{SMITH}")
            first.add_note("ethanol", "usage", f"Solvent[^1].\n\n{SMITH}")
            [path] = first.export("md", tmp_path / "one")
            notes = [(n.section, n.body, n.source) for n in first.get("ethanol").notes]
    text = path.read_text(encoding="utf-8")
    assert text.count("[^1]: Smith J.") == 1
    with Registry.open("sqlite://", seed=False, author="t") as second:
        assert second.import_records(tmp_path / "one").added == ["ethanol"]
        assert [(n.section, n.body, n.source) for n in second.get("ethanol").notes] == notes
        [again] = second.export("md", tmp_path / "two")
    assert again.read_text(encoding="utf-8") == text
