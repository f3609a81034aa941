"""``registry add|show|list``: registering compounds and reading them back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli import record_status
from registry.cli.base import app
from registry.cli.forms import form_lines
from registry.cli.output import OutputFormat, render
from registry.cli.properties import pubchem_lines
from registry.cli.registry_options import (
    SUMMARY,
    AllowStereoisomer,
    AllowTautomer,
    Author,
    Db,
    Fmt,
    open_registry,
)
from registry.config import Settings
from registry.models import CasEntry, Compound, joined_cas
from registry.service.lookups import LookupResolver
from registry.service.salt_forms import Forms, forms_of

if TYPE_CHECKING:
    pass


@app.command("add")
def add_command(
    query: Annotated[
        str,
        typer.Argument(
            help="A SMILES, or a name or CAS number (looked up offline, then in PubChem, "
            "unless --smiles gives the structure).",
            show_default=False,
            metavar="SMILES|NAME|CAS",
        ),
    ],
    smiles: Annotated[
        str | None, typer.Option("--smiles", help="The structure (SMILES, InChI or Molfile text).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Preferred name.")] = None,
    cas: Annotated[
        list[str] | None,
        typer.Option("--cas", help="CAS number of this structure (repeatable)."),
    ] = None,
    cas_role: Annotated[
        str,
        typer.Option(
            "--cas-role",
            help="Role of the --cas numbers: parent, salt, hydrate, stereoisomer, racemate, "
            "replaced, unknown.",
        ),
    ] = "parent",
    synonym: Annotated[
        list[str] | None, typer.Option("--synonym", help="Another name (repeatable).")
    ] = None,
    as_salt_of: Annotated[
        str | None,
        typer.Option("--as-salt-of", help="Register as a salt form of this parent (id/CAS/name)."),
    ] = None,
    link: Annotated[
        bool,
        typer.Option(
            "--link", help="If the structure is registered already, add the names/CAS to it."
        ),
    ] = False,
    allow_tautomer: AllowTautomer = False,
    allow_stereoisomer: AllowStereoisomer = False,
    source: Annotated[
        str, typer.Option("--source", help="Where the identifiers come from.")
    ] = "user",
    db: Db = None,
    author: Author = None,
    fmt: Fmt = OutputFormat.table,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Resolve names offline only (also REGISTRY_OFFLINE=1)."),
    ] = False,
) -> None:
    """Register a compound: standardise, hash, refuse duplicates, link salts to parents.

    A name or CAS number without --smiles is resolved through the lookup chain (the offline
    index, then PubChem unless offline) and registered with its provenance; an ambiguous name
    is refused (choose with 'registry lookup NAME --add --pick N').

    A duplicate structure is refused with the id of the record that holds it, unless --link
    (add the new names and CAS numbers to that record) or --as-salt-of says what it is. A salt
    (a structure with counter-ions) is linked to its parent when the parent is registered, now
    or later. A tautomer or stereoisomer of a registered compound (same tautomer- or
    stereo-insensitive hash) is refused, naming the record, unless --allow-tautomer or
    --allow-stereoisomer registers it on purpose; 'registry show' then lists the two as each
    other's tautomers or stereoisomers.

    Examples:

        registry add "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --name milnacipran --cas 92623-85-3

        registry add "milnacipran hydrochloride" --smiles "CCN(CC)C(=O)C1(CC1CN)c1ccccc1.Cl"
        --cas 101152-94-7 --cas-role salt --as-salt-of milnacipran

        registry add 92623-85-3 --smiles "CCN(CC)C(=O)C1(CC1CN)c1ccccc1" --link

        registry add caffeine               # structure and CAS numbers from the lookup

        registry add "C[C@@H](N)C(=O)O" --name D-alanine --allow-stereoisomer
    """
    from registry.service.registry import Registry  # SQLAlchemy: only when a command runs

    entries = [CasEntry(number, cas_role, "", source) for number in cas or []]
    settings = Settings.from_env(offline=True if offline else None)
    resolver = LookupResolver(settings)
    # persistent: an in-memory database would lose the record whose id is printed here.
    with Registry.open(
        db, settings=settings, author=author, resolver=resolver, persistent=True
    ) as registry:
        compound = registry.add(
            smiles,
            query=query,
            name=name,
            cas=entries,
            synonyms=synonym or [],
            source=source,
            as_salt_of=as_salt_of,
            link=link,
            allow_tautomer=allow_tautomer,
            allow_stereoisomer=allow_stereoisomer,
        )
    typer.echo(render([compound.summary()], fmt, SUMMARY))


def _show_text(compound: Compound, history: bool, forms: Forms) -> str:
    lines = [
        f"{compound.registry_id}  {compound.name}",
        f"  SMILES:     {compound.smiles}",
        f"  submitted:  {compound.submitted}",
        *form_lines(forms),
        f"  InChIKey:   {compound.inchikey}",
        f"  InChI:      {compound.inchi}",
        *record_status.lines(compound),
    ]
    if compound.parent_id:
        lines.append(f"  salt form of: {compound.parent_id}")
    if compound.salt_forms:
        lines.append(f"  salt forms: {', '.join(compound.salt_forms)}")
    if compound.stereoisomers:
        lines.append(f"  stereoisomers: {', '.join(compound.stereoisomers)}")
    if compound.tautomers:
        lines.append(f"  tautomers: {', '.join(compound.tautomers)}")
    lines.append("")
    if compound.cas:
        rows = [
            {
                "CAS": e.number,
                "role": e.role,
                "form": e.form,
                "source": e.source,
                "note": "" if e.identifies else "mentioned by source; not an identifier",
            }
            for e in compound.cas
        ]
        lines += [render(rows, OutputFormat.table, list(rows[0])), ""]
    if compound.identifiers:
        rows = [
            {"kind": i.kind, "value": i.value, "source": i.source} for i in compound.identifiers
        ]
        lines += [render(rows, OutputFormat.table, ["kind", "value", "source"]), ""]
    if compound.synonyms:
        lines += ["Synonyms: " + "; ".join(compound.synonyms), ""]
    computed = [p for p in compound.properties if p.source == "rdkit"]
    if computed:
        rows = [
            {
                "descriptor": p.name,
                "value": f"{p.value:g}" if p.value is not None else "",
                "unit": p.unit,
            }
            for p in computed
        ]
        version = computed[0].toolkit_version
        of = f"of the parent, {forms.parent.formula}; " if forms.differs else ""
        lines += [f"Descriptors ({of}{version}):", render(rows, OutputFormat.table, list(rows[0]))]
        lines.append("")
    given = [p for p in compound.properties if p.source not in ("rdkit", "pubchem")]
    if given:  # imported columns and the like: a number or a text, with where it came from
        rows = [
            {
                "property": p.name,
                "value": f"{p.value:g}" if p.value is not None else (p.text or ""),
                "unit": p.unit,
                "source": p.source,
            }
            for p in given
        ]
        lines += ["Properties:", render(rows, OutputFormat.table, list(rows[0])), ""]
    lines += pubchem_lines(compound.properties)
    for note in compound.notes:
        cited = f"; cites {', '.join(note.citations)}" if note.citations else ""
        lines += [f"## {note.section}  (source: {note.source}{cited})", "", note.body, ""]
    if history:
        lines.append("History:")
        lines += [f"  {a.at}  {a.author}  {a.action}  {a.detail}" for a in compound.history]
    return "\n".join(lines).rstrip()


@app.command("show")
def show_command(
    query: Annotated[
        str,
        typer.Argument(help="Registry id, CAS number, name, synonym or InChIKey.", metavar="QUERY"),
    ],
    history: Annotated[
        bool, typer.Option("--history", help="Also print the audit trail of the record.")
    ] = False,
    db: Db = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table (a report), json, or csv (one flat row)."),
    ] = OutputFormat.table,
) -> None:
    """Show a compound: identity, every CAS number with its role, synonyms, descriptors, notes.

    A CAS number that a record only mentions (role unknown) does not find it; the error says
    which record mentions it.

    Examples:

        registry show milnacipran

        registry show 92623-85-3 --history

        registry show REG-000001 --format json
    """
    with open_registry(db) as registry:
        compound = registry.get(query, history=history)
    forms = forms_of(compound)
    if fmt is OutputFormat.table:
        typer.echo(_show_text(compound, history, forms))
    else:
        row = compound.to_dict() | forms.to_dict()
        if fmt is OutputFormat.csv:  # flat text: every number with its role, no nested records
            row["cas"] = joined_cas(compound.cas)
        typer.echo(render([row], fmt, list(compound.summary())))


@app.command("list")
def list_command(
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most this many.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Also retired and merged records, with their status.")
    ] = False,
    db: Db = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """List registered compounds in registry order (retired and merged ones only with --all).

    Examples:

        registry list

        registry list --format csv > registry.csv
    """
    with open_registry(db) as registry:
        compounds = registry.list_compounds(limit=limit, include_retired=every)
    status = [{"status": record_status.label(c)} if every else {} for c in compounds]
    rows = [c.summary() | more for c, more in zip(compounds, status, strict=True)]
    typer.echo(render(rows, fmt, [*SUMMARY, "status"] if every else SUMMARY, keep=["status"]))
