"""Record files give back exactly what went in, or refuse it where it enters (issue 19, items 5
and 10): names, section names, sources and note bodies of any text, YAML alias bombs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from store_support import db_url, registry, registry_settings  # noqa: F401  (fixtures)

from registry import records
from registry.config import Settings
from registry.errors import RecordFileError, ValidationError
from registry.models import Note, canonical_sections
from registry.service import Registry

BASE = records.parse("---\nname: base\nsmiles: CCO\n---\n\n# base\n", slug="base")

# Any Unicode text except lone surrogates (not text at all: refused by every entry point).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
ODD = st.sampled_from(
    [
        "\n## Injected",
        "-->\n## Fake section\n<!-- source: PMID 999 -->",
        "x\n---\ny",
        "```",
        "~~~ open",
        "C#",
        "# title",
        "\r",
        "\u2028",
        "\x85",
        "[^1]",
        "<!-- source: x -->",
        "--- ",
        "*a",
        "&a b",
        "\t",
        "\u200f\u200e",
    ]
)
ODD_TEXT = st.lists(st.one_of(TEXT, ODD), min_size=1, max_size=4).map("".join)


def _entered_note(section: str, body: str, source: str) -> Note | None:
    """The note as the registry would store it, or None when the input is refused."""
    try:
        section = records.check_one_line(section, "section name")
        source = records.check_one_line(source, "source")
        text = records.check_note_body(body)
    except ValidationError:
        return None
    if not section or section.startswith("#"):
        return None
    # As the registry stores it: a note without a source comes from the record itself, and a
    # suggested section takes its canonical spelling.
    source = source or BASE.default_source
    section = canonical_sections([section])[0]
    return Note(section=section, body=text, source=source, citations=records.citations(text))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(name=ODD_TEXT)
def test_any_name_round_trips_exactly(name: str) -> None:
    name = name.strip()
    assume(name)
    record = dataclasses.replace(BASE, name=name)
    assert records.parse(records.render(record), slug="base") == record


# Mostly text that enters (one line, no control characters), sometimes anything at all.
ONE_LINE = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30
)
SHORT_TEXT = st.one_of(ONE_LINE, ONE_LINE, ODD_TEXT)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(section=SHORT_TEXT, body=ODD_TEXT, source=SHORT_TEXT)
def test_a_note_round_trips_exactly_or_is_refused_where_it_enters(
    section: str, body: str, source: str
) -> None:
    note = _entered_note(section, body, source)
    if note is None:
        return  # refused where it enters: nothing reaches a record file
    record = dataclasses.replace(BASE, notes=(note,))
    back = records.parse(records.render(record), slug="base")
    assert back.notes == (note,)


def test_injection_through_a_source_is_refused_where_it_enters(registry: Registry) -> None:
    registry.add("CCO", name="ethanol")
    with pytest.raises(ValidationError, match="a source is one line of text"):
        registry.add_note(
            "ethanol", "Use", "text", source="-->\n## Fake section\n<!-- source: PMID 999 -->"
        )
    with pytest.raises(ValidationError, match="a section name is one line of text"):
        registry.add_note("ethanol", "Use\n## Injected", "text")
    with pytest.raises(ValidationError, match="opens a ``` code block it never closes"):
        registry.add_note("ethanol", "Use", "```\nunclosed")
    assert registry.notes("ethanol") == ()


def test_hostile_names_and_notes_survive_export_and_import(
    registry: Registry, registry_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    registry.add("CCO", name="ethanol\n## Injected")
    registry.add("CCN", name="methylamine\n---\nsmiles: C")
    registry.add_note("ethanol\n## Injected", "C#", "```\n## inside a fence\n```", source="a --> b")
    registry.export("md", out)
    with Registry.open(
        f"sqlite:///{tmp_path}/copy.sqlite", settings=registry_settings, seed=False
    ) as copy:
        result = copy.import_records(out)
        assert not result.refused
        assert sorted(c.name for c in copy.list_compounds()) == sorted(
            c.name for c in registry.list_compounds()
        )
        (note,) = copy.notes("ethanol\n## Injected")
        assert (note.section, note.body, note.source) == (
            "C#",
            "```\n## inside a fence\n```",
            "a --> b",
        )


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, 8):
        levels.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    text = "---\nname: bomb\nsmiles: C\n" + "\n".join(levels) + "\n---\n\n# bomb\n"
    with pytest.raises(RecordFileError, match=r"bomb\.md:5: YAML: YAML alias \*a0"):
        records.parse(text, slug="bomb")


def test_a_merge_key_alias_is_refused_too() -> None:
    text = "---\nname: x\nsmiles: C\nbase: &b {k: 1}\nother:\n  <<: *b\n---\n\n# x\n"
    with pytest.raises(RecordFileError, match=r"x\.md:6: YAML: YAML alias \*b"):
        records.parse(text, slug="x")
