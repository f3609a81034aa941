"""Compound record files (``compounds/*.md``): parse, render, read and check them."""

from __future__ import annotations

from registry.records.files import (
    bundled_records_dir,
    iter_record_files,
    problems,
    read,
    safe_path,
)
from registry.records.markdown import Record, digest, parse, render, slugify
from registry.records.note_text import check_note_body, check_one_line, citations

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
