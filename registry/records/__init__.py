"""Compound record files (``compounds/*.md``): parse, render and check them."""

from __future__ import annotations

from registry.records.markdown import (
    Record,
    check_note_body,
    citations,
    digest,
    iter_record_files,
    parse,
    problems,
    read,
    render,
    safe_path,
    slugify,
)

__all__ = [
    "Record",
    "check_note_body",
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
