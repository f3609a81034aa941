"""The lines of ``registry show`` that say which structure each number describes."""

from __future__ import annotations

from registry.service.salt_forms import Form, Forms

__all__ = ["form_lines"]


def _weight(form: Form) -> str:
    return f"{form.molecular_weight:.2f} g/mol" if form.molecular_weight is not None else "? g/mol"


def form_lines(forms: Forms) -> list[str]:
    """The formula line, and for a salt (or any structure whose parent differs) the parent's.

    The descriptors below them are the parent's; the caption of their table says so.
    """
    registered, parent = forms.as_registered, forms.parent
    if not forms.differs:
        return [f"  formula:    {registered.formula}"]
    record = f" {parent.registry_id}" if parent.registry_id else ""
    return [
        f"  formula:    {registered.formula}, {_weight(registered)} (as registered)",
        f"  parent:     {parent.formula}, {_weight(parent)}{record}: {parent.smiles}",
    ]
