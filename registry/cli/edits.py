"""``registry edit|retire|merge|history``: changing registered compounds, and the audit trail."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli.base import app
from registry.cli.output import OutputFormat, render
from registry.cli.registry_options import Author, Db, Fmt, open_registry
from registry.models import CasEntry

if TYPE_CHECKING:
    from registry.models import AuditEntry
    from registry.service.edits import Edited

Many = list[str] | None


def _pair(text: str, flag: str, shape: str) -> tuple[str, str]:
    """``A:B`` split at its first colon; a usage error (exit 2) naming the flag otherwise."""
    first, colon, rest = text.partition(":")
    if not colon or not first.strip() or not rest.strip():
        raise typer.BadParameter(f"{text!r} is not {shape}", param_hint=f"'{flag}'")
    return first.strip(), rest.strip()


def _cas_entry(text: str, source: str) -> CasEntry:
    """``NUMBER``, ``NUMBER:ROLE`` or ``NUMBER:ROLE:FORM``."""
    number, _, rest = text.partition(":")
    role, _, form = rest.partition(":")
    return CasEntry(number.strip(), role.strip() or "parent", form.strip(), source)


def _change_text(change: dict[str, Any]) -> str:
    before, after = change["before"], change["after"]

    def shown(value: Any) -> str:
        if isinstance(value, dict):  # a note
            return f"{value['section']} ({value['source']}): {value['body'][:60]}"
        return str(value)

    if before is None:
        return f"  + {change['field']}: {shown(after)}"
    if after is None:
        return f"  - {change['field']}: {shown(before)}"
    return f"  {change['field']}: {shown(before)} -> {shown(after)}"


def _report(done: Edited, fmt: OutputFormat, unchanged: str) -> None:
    compound = done.compound
    if fmt is not OutputFormat.table:
        row = {
            "registry_id": compound.registry_id,
            "name": compound.name,
            "status": compound.status,
            "action": done.action,
            "changes": list(done.changes),
        }
        if fmt is OutputFormat.csv:
            row["changes"] = json.dumps(row["changes"], ensure_ascii=False, sort_keys=True)
        typer.echo(render([row], fmt, list(row)))
        return
    if not done.changed:
        typer.echo(f"{compound.registry_id} ({compound.name}): {unchanged}")
        return
    typer.echo(f"{compound.registry_id} ({compound.name}): {done.action}")
    for change in done.changes:
        typer.echo(_change_text(change))


@app.command("edit")
def edit_command(
    query: Annotated[
        str,
        typer.Argument(help="Registry id, CAS number, name or InChIKey.", metavar="QUERY"),
    ],
    name: Annotated[str | None, typer.Option("--name", help="New preferred name.")] = None,
    add_cas: Annotated[
        Many,
        typer.Option(
            "--add-cas",
            help="Add a CAS number: NUMBER, NUMBER:ROLE or NUMBER:ROLE:FORM (role parent, "
            "salt, hydrate, stereoisomer, racemate, replaced, unknown; default parent; form "
            "e.g. hydrochloride). Repeatable.",
            metavar="N[:ROLE[:FORM]]",
        ),
    ] = None,
    remove_cas: Annotated[
        Many, typer.Option("--remove-cas", help="Remove a CAS number.", metavar="N")
    ] = None,
    set_role: Annotated[
        Many,
        typer.Option("--set-role", help="Change a CAS number's role.", metavar="N:ROLE"),
    ] = None,
    add_synonym: Annotated[
        Many, typer.Option("--add-synonym", help="Add a synonym.", metavar="TEXT")
    ] = None,
    remove_synonym: Annotated[
        Many, typer.Option("--remove-synonym", help="Remove a synonym.", metavar="TEXT")
    ] = None,
    add_id: Annotated[
        Many,
        typer.Option(
            "--add-id",
            help="Add an identifier; KIND is pubchem_cid, inchikey, unii, chembl or drugbank.",
            metavar="KIND:VALUE",
        ),
    ] = None,
    remove_id: Annotated[
        Many, typer.Option("--remove-id", help="Remove an identifier.", metavar="KIND:VALUE")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="Where what is added comes from.")
    ] = "user",
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Change a compound's name, CAS numbers and roles, synonyms and identifiers.

    Every option may be repeated and combined; the edit happens whole or not at all, in one
    transaction, and writes one audit row with each field before and after ('registry history
    QUERY' shows it). An edit that changes nothing (a number the record has already) says so
    and writes no row. Refused, with the reason: removing what the record does not have, a
    CAS number or identifier that identifies another compound (retired ones included), a name
    another record has, editing a retired record. A merged record's id edits the record it
    was merged into.

    Examples:

        registry edit REG-000004 --name aspirin --add-cas 50-78-2

        registry edit aspirin --set-role 50-78-2:parent --add-synonym "acetylsalicylic acid"

        registry edit "sertraline hydrochloride" --add-cas 79559-97-0:salt:hydrochloride
        --remove-cas 79617-96-2

        registry edit milnacipran --add-id unii:G56VK1HF36 --remove-synonym "Ixel"
    """
    roles = [_pair(t, "--set-role", "NUMBER:ROLE") for t in set_role or []]
    added = [_pair(t, "--add-id", "KIND:VALUE") for t in add_id or []]
    removed = [_pair(t, "--remove-id", "KIND:VALUE") for t in remove_id or []]
    with open_registry(db, author) as registry:
        done = registry.edit(
            query,
            name=name,
            add_cas=[_cas_entry(t, source) for t in add_cas or []],
            remove_cas=remove_cas or [],
            set_role=roles,
            add_synonyms=add_synonym or [],
            remove_synonyms=remove_synonym or [],
            add_identifiers=added,
            remove_identifiers=removed,
            source=source,
        )
    _report(done, fmt, "nothing to change")


@app.command("retire")
def retire_command(
    query: Annotated[
        str,
        typer.Argument(help="Registry id, CAS number, name or InChIKey.", metavar="QUERY"),
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the record is retired (required).")
    ] = None,
    undo: Annotated[
        bool, typer.Option("--undo", help="Bring a retired record back into use.")
    ] = False,
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Retire a compound record, or bring it back (--undo).

    A retired record stays readable: 'registry show' prints it with the date and reason. It
    keeps its structure, CAS numbers and identifiers, so they can never be given to another
    compound (registering its structure again is refused, naming it). 'registry list' leaves
    it out unless --all; 'registry search' marks it '[retired]'. It cannot be edited until
    restored with --undo. Retiring writes an audit row.

    Examples:

        registry retire REG-000012 --reason "wrong structure; see REG-000013"

        registry retire REG-000012 --undo
    """
    if undo and reason is not None:
        raise typer.BadParameter("--undo takes no --reason", param_hint="'--reason'")
    if not undo and reason is None:
        raise typer.BadParameter("say why the record is retired", param_hint="'--reason'")
    with open_registry(db, author) as registry:
        if reason is None:
            done = registry.restore(query)
            unchanged = "not retired; nothing to restore"
        else:
            done = registry.retire(query, reason)
            unchanged = (
                f"retired already on {done.compound.retired_at[:10]} "
                f"({done.compound.retired_reason}); nothing changed"
            )
    _report(done, fmt, unchanged)


@app.command("merge")
def merge_command(
    query: Annotated[
        str, typer.Argument(help="The duplicate: registry id, CAS number, name.", metavar="ID")
    ],
    into: Annotated[str, typer.Argument(help="The record to keep: registry id, CAS number, name.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept as the duplicate's retirement reason).")
    ] = "",
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Merge a duplicate found late into the record to keep.

    The duplicate's CAS numbers (with roles), identifiers, synonyms, notes and sourced
    property values move to INTO, and its name becomes a synonym there; what both have is
    kept once. The duplicate is retired as merged, keeping its structure and computed
    descriptors: its id, name, numbers and structure now lead to INTO ('registry show ID'
    shows INTO and says so). One transaction; one audit row per record changed.

    Examples:

        registry merge REG-000031 REG-000007 --reason "2-pyridone: tautomer of REG-000007"

        registry history REG-000007
    """
    with open_registry(db, author) as registry:
        done = registry.merge(query, into, reason=reason)
    _report(done, fmt, "nothing changed")


_HISTORY_COLUMNS = ["at", "registry_id", "author", "action", "detail"]


def _history_row(entry: AuditEntry, fmt: OutputFormat) -> dict[str, Any]:
    detail: Any = entry.detail
    if fmt is OutputFormat.json:
        with contextlib.suppress(ValueError):  # an old row may be plain text
            detail = json.loads(entry.detail)
    return {
        "at": entry.at,
        "registry_id": entry.registry_id,
        "author": entry.author,
        "action": entry.action,
        "detail": detail,
    }


@app.command("history")
def history_command(
    query: Annotated[
        str | None,
        typer.Argument(
            help="Only this record (registry id, CAS number, name); default: the whole registry.",
            metavar="[QUERY]",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only changes at or after this date or time (YYYY-MM-DD or ISO 8601; UTC "
            "unless it says).",
            metavar="DATE",
        ),
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Only changes by this author.")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action", help="Only this action (register, edit, add-cas, retire, merge…)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.")] = 100,
    db: Db = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """The audit trail, newest first: who changed what, when, and each field before and after.

    With QUERY, that record's changes and those of the records merged into it; a merged
    record's own id gives its changes up to the merge. JSON output has each detail as JSON.

    Examples:

        registry history

        registry history aspirin --format json

        registry history --since 2026-12-01 --author alice --format csv > changes.csv
    """
    with open_registry(db) as registry:
        entries = registry.history(limit, query=query, since=since, author=author, action=action)
    if not entries and fmt is OutputFormat.table:
        typer.echo("no changes recorded that match", err=True)
        return
    typer.echo(render([_history_row(e, fmt) for e in entries], fmt, _HISTORY_COLUMNS))
