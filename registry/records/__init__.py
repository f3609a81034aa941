"""Compound record files (``compounds/*.md``): parse, render, read and check them.

The note-text checks are light; the Markdown and YAML reading is imported on first use, so a
command that only checks a note's text (or none) does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry._lazy import served_from

if TYPE_CHECKING:
    from registry.records.files import (
        bundled_records_dir,
        iter_record_files,
        problems,
        read,
        safe_path,
    )
    from registry.records.markdown import Record, digest, parse, render, slugify
    from registry.records.note_text import check_note_body, check_one_line, citations

# Each public name and the module that defines it (imported on first use).
_HOMES = {
    "Record": "registry.records.markdown",
    "bundled_records_dir": "registry.records.files",
    "check_note_body": "registry.records.note_text",
    "check_one_line": "registry.records.note_text",
    "citations": "registry.records.note_text",
    "digest": "registry.records.markdown",
    "iter_record_files": "registry.records.files",
    "parse": "registry.records.markdown",
    "problems": "registry.records.files",
    "read": "registry.records.files",
    "render": "registry.records.markdown",
    "safe_path": "registry.records.files",
    "slugify": "registry.records.markdown",
}

__all__ = [
    "Record",
    "bundled_records_dir",
    "check_note_body",
    "check_one_line",
    "citations",
    "digest",
    "iter_record_files",
    "parse",
    "problems",
    "read",
    "render",
    "safe_path",
    "slugify",
]


__getattr__ = served_from(__name__, _HOMES)
