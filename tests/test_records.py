"""Record files: parse, render, errors with path and line, no path traversal, milnacipran.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_support import COMPOUNDS

from registry import cas
from registry.errors import RecordFileError, ValidationError
from registry.models import CAS_ROLES, CasEntry, Identifier, Note
from registry.records import (
    Record,
    check_note_body,
    citations,
    iter_record_files,
    parse,
    read,
    render,
    safe_path,
    slugify,
)

MILNACIPRAN_MD = COMPOUNDS / "milnacipran.md"
SEEDS = Path("/work/shared/seeds")

GOOD = """---
title: Test
name: test compound
smiles: CCO
cas:
- number: 64-17-5
  role: parent
---

# Test

## Usage

Used in tests[^1].
"""


def test_milnacipran_file_is_canonical() -> None:
    text = MILNACIPRAN_MD.read_text(encoding="utf-8")
    record, raw = read(MILNACIPRAN_MD)
    assert raw == text
    assert render(record) == text


def test_milnacipran_identity_and_cas_roles() -> None:
    record, _ = read(MILNACIPRAN_MD)
    assert record.name == "milnacipran"
    assert record.smiles == "CCN(CC)C(=O)C1(CC1CN)c1ccccc1"
    roles = {e.number: e for e in record.cas}
    assert roles["92623-85-3"].role == "parent"
    assert roles["101152-94-7"].role == "salt"
    assert roles["101152-94-7"].form == "hydrochloride"
    mentioned = ["507-60-8", "101312-07-6", "19519-55-2", "1228259-70-8", "169327-82-6"]
    for number in mentioned:
        assert cas.is_valid(number)
        assert roles[number].role == "unknown"
        assert roles[number].source == "research-notes"
        assert not roles[number].identifies
    # The research notes list exactly these five, at their end.
    research = (next(SEEDS.glob("000_*.txt"))).read_text(encoding="utf-8")
    assert re.findall(r"CAS No\.: (\S+)", research) == mentioned


def test_milnacipran_sections_and_sources() -> None:
    record, _ = read(MILNACIPRAN_MD)
    by_section = {n.section: n for n in record.notes}
    patient = ["Usage", "Side effects", "How it works", "FAQs", "Disclaimer"]
    research = [
        "Mechanism",
        "Pain models",
        "Fibromyalgia trials",
        "Depression trials",
        "Other uses",
    ]
    for section in patient:
        assert by_section[section].source == "patient-page"
    for section in research:
        assert by_section[section].source == "research-notes"
        assert by_section[section].citations, section
    assert "AI-generated" in by_section["Disclaimer"].body
    assert by_section["Fibromyalgia trials"].citations == ("3", "6", "8")
    assert by_section["Depression trials"].citations == ("7", "9", "10")


def test_milnacipran_text_is_the_seeds_text() -> None:
    """Every sentence of both seeds is in the record; citation digits became [^n] markers."""
    record, _ = read(MILNACIPRAN_MD)
    bodies = "\n".join(n.body for n in record.notes)
    # No digits glued to words or brackets remain in the research notes.
    for note in record.notes:
        if note.source == "research-notes":
            assert not re.search(r"[A-Za-z)]\d", note.body), note.section
    research = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    without_markers = re.sub(r"(\[\^\d+\])+", "", bodies)
    for paragraph in research.splitlines():
        if paragraph.startswith("CAS No."):
            continue
        # drop the glued citation digits from the seed, then compare sentence by sentence
        plain = re.sub(r"(?<=[A-Za-z)])\d+", "", paragraph)
        for sentence in re.split(r"(?<=\.) ", plain):
            assert sentence.strip() in without_markers, sentence
    patient = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    for line in patient.split("---", 2)[2].splitlines():
        line = re.sub(r"^\*\*[^*]+:\*\*\s*", "", line).strip()
        if line and not line.startswith("#") and "Generic Name" not in line:
            assert line in bodies, line


def test_citations_and_note_bodies() -> None:
    assert citations("a[^1] b[^2][^1] c[^x-1]") == ("1", "2", "x-1")
    assert check_note_body("\n\n  text  \n\n") == "  text"
    with pytest.raises(ValidationError, match="heading"):
        check_note_body("# Title\nbody")
    assert check_note_body("```\n## not a heading in code\n```") == (
        "```\n## not a heading in code\n```"
    )
    with pytest.raises(ValidationError, match="empty"):
        check_note_body("\n \n")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, "starts with '---'"),
        ("---\nname: x\nsmiles: C\n", 4, "not closed"),
        ("---\nname: x\nsmiles: [C\n---\n", 3, "YAML"),
        ("---\nname: x\n---\n", 2, "'smiles' is missing"),
        ("---\nname: x\nsmiles: C\ncas:\n- number: 50-78-3\n  role: parent\n---\n", 5, "check"),
        ("---\nname: x\nsmiles: C\ncas:\n- number: 50-78-2\n  role: owner\n---\n", 5, "role"),
        ("---\nname: x\nsmiles: C\nidentifiers:\n- {kind: isbn, value: 1}\n---\n", 5, "kind"),
        ("---\nname: x\nsmiles: C\n---\n\n# X\n\nstray text\n", 8, "before the first"),
        ("---\nname: x\nsmiles: C\n---\n# X\n## Usage\n## Other\ntext\n", 6, "empty"),
        ("---\n- a\n- b\n---\n", 2, "mapping"),
    ],
)
def test_malformed_files_name_path_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "bad.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordFileError) as caught:
        read(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in str(caught.value)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes(GOOD.replace("Used", "Us\xe9d").encode("latin-1"))
    with pytest.raises(RecordFileError, match="not UTF-8"):
        read(path)


def test_good_file_parses_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "test-compound.md"
    path.write_text(GOOD, encoding="utf-8")
    record, _ = read(path)
    assert record.cas == (CasEntry("64-17-5", "parent", "", "compounds/test-compound.md"),)
    assert record.notes[0].source == "compounds/test-compound.md"
    assert record.notes[0].citations == ("1",)
    assert render(record) == GOOD


def test_slugs_and_paths_cannot_escape(tmp_path: Path) -> None:
    for hostile in ["../../etc/passwd", "/etc/passwd", "..", "a/../../b", "C:\\x", "\0", ""]:
        slug = slugify(hostile)
        assert "/" not in slug
        assert "\\" not in slug
        assert ".." not in slug
        assert safe_path(tmp_path, slug).parent == tmp_path
    for bad in ["../x", "a/b", ".hidden", "x\0y", "..", "A B"]:
        with pytest.raises(ValidationError):
            safe_path(tmp_path, bad)


def test_directory_listing_refuses_links_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "compounds"
    folder.mkdir()
    (folder / "ok.md").write_text(GOOD, encoding="utf-8")
    (folder / "sneaky.md").symlink_to(outside)
    with pytest.raises(RecordFileError, match="outside"):
        list(iter_record_files(folder))


_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())
_body = (
    st.lists(_text, min_size=1, max_size=4)
    .map("\n".join)
    .filter(
        lambda s: (
            not any(line.lstrip().startswith(("#", "```", "~~~", "<!--")) for line in s.split("\n"))
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(
    name=_text,
    synonyms=st.lists(_text, max_size=3),
    notes=st.lists(st.tuples(_text.filter(lambda s: not s.endswith("#")), _body), max_size=3),
    roles=st.lists(st.sampled_from(CAS_ROLES), max_size=3),
)
def test_render_then_parse_round_trips(
    name: str, synonyms: list[str], notes: list[tuple[str, str]], roles: list[str]
) -> None:
    numbers = ["50-78-2", "64-17-5", "7732-18-5"]
    record = Record(
        slug="generated",
        name=name,
        smiles="CCO",
        cas=tuple(CasEntry(numbers[i], role, "", "src") for i, role in enumerate(roles)),
        identifiers=(Identifier("pubchem_cid", "702", "pubchem"),),
        synonyms=tuple(synonyms),
        notes=tuple(
            Note(section, body, "notes-source", citations(body)) for section, body in notes
        ),
        extra={"title": name, "sources": {"src": "a source: with 'quotes' \"and\" more"}},
        order=("title", "name", "smiles", "cas", "identifiers", "synonyms", "sources"),
    )
    text = render(record)
    back = parse(text, slug="generated")
    assert back == record
    assert render(back) == text


_lines = st.sampled_from(
    [
        "---",
        "name: x",
        "smiles: CCO",
        "cas:",
        "- number: 50-78-2",
        "  role: parent",
        "- 64-17-5",
        "synonyms: [a, b]",
        "identifiers: {}",
        "# Title",
        "## Usage",
        "<!-- source: s -->",
        "```",
        "text[^1]",
        "",
        "key: [unclosed",
        "  - bad indent",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_lines, max_size=25).map("\n".join), st.text(max_size=400)))
def test_any_text_parses_or_fails_with_path_and_line(text: str) -> None:
    outcome: Record | RecordFileError
    try:
        outcome = parse(text, slug="fuzz", path="compounds/fuzz.md")
    except RecordFileError as error:
        outcome = error
    if isinstance(outcome, RecordFileError):
        assert re.match(r"compounds/fuzz\.md:\d+: \S", str(outcome)), str(outcome)
    else:
        assert outcome.name
        assert outcome.smiles
        assert parse(render(outcome), slug="fuzz") == outcome
