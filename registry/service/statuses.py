"""Retired and merged records through an export and back: the ``status`` each format carries.

Every export format writes a retired or merged record with its state, as one small mapping::

    {"registration_hash": "...", "retired_at": "2026-12-07T...", "reason": "left the collection",
     "merged_into": "<registration hash of the record it was merged into>",
     "merged_into_name": "2-hydroxypyridine"}

Records are named by their registration hash because registry ids are numbered afresh by each
import. An import sets the state after every row of the file is in (the record a duplicate was
merged into may come later in the file), writing an audit row only where the state changes, so
importing an unchanged export again writes none. An import never brings a retired record back:
a file without a status leaves the record's state as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from registry.errors import ValidationError
from registry.models import Compound
from registry.store import edits as rows
from registry.store import parse_registry_id

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from registry.store import Store

__all__ = ["STATUS_KEY", "apply_statuses", "read_status", "status_entry"]

#: The key of the state in a record file's front matter, a JSON compound and a provenance cell.
STATUS_KEY = "status"


def status_entry(store: Store, connection: Connection, compound: Compound) -> dict[str, str]:
    """The state of a retired or merged compound as an export writes it; {} when active."""
    if compound.status == "active":
        return {}
    entry = {
        "registration_hash": compound.registration_hash,
        "retired_at": compound.retired_at,
        "reason": compound.retired_reason,
    }
    target_id = parse_registry_id(compound.merged_into) if compound.merged_into else None
    if target_id is not None:
        target = store.load(connection, target_id)
        entry["merged_into"] = target.registration_hash
        entry["merged_into_name"] = target.name
    return entry


def read_status(value: object, registration_hash: str = "") -> dict[str, str]:
    """A status as a file gives it, checked ({} for none); ``registration_hash`` is the record's
    own when the file does not say it.

    Raises:
        ValidationError: a status that is not a mapping of text, or a time that is not ISO 8601.
    """
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError(f"{STATUS_KEY}: a mapping of text, not {value!r:.60}")
    entry = {str(k): str(v) for k, v in value.items()}
    entry.setdefault("registration_hash", registration_hash)
    _when(entry)
    return entry


def _when(entry: Mapping[str, str]) -> datetime:
    try:
        at = datetime.fromisoformat(entry.get("retired_at") or "")
    except ValueError as error:
        raise ValidationError(
            f"{STATUS_KEY}: retired_at {entry.get('retired_at')!r} is not an ISO 8601 time"
        ) from error
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def apply_statuses(
    store: Store, connection: Connection, author: str, entries: Sequence[Mapping[str, str]]
) -> int:
    """Give each entry's record its state; returns how many records changed.

    An entry whose record (or the record it was merged into) is not in this registry is
    skipped: an export of some records only may leave the target out.
    """
    changed = 0
    for entry in entries:
        own = store.id_by_hash(connection, entry.get("registration_hash", ""))
        target_hash = entry.get("merged_into", "")
        target = store.id_by_hash(connection, target_hash) if target_hash else None
        if own is None or (target_hash and target is None):
            continue
        state = rows.state(connection, own)
        at, reason = _when(entry), entry.get("reason", "")
        before = _described(state.retired_at, state.retired_reason, state.merged_into)
        after = _described(at, reason, target)
        if before == after:
            continue
        rows.set_status(connection, own, at, reason, target)
        detail = {"field": STATUS_KEY, "before": before, "after": after}
        action = "merge" if target is not None else "retire"
        store.log(connection, action, author, own, json.dumps(detail, sort_keys=True))
        changed += 1
    return changed


def _described(at: datetime | None, reason: str | None, merged_into: int | None) -> Any:
    if at is None:
        return None
    stamp = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
    described: dict[str, Any] = {"retired_at": stamp, "reason": reason or ""}
    if merged_into is not None:
        described["merged_into"] = merged_into
    return described
