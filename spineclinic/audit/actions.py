"""Writing to and checking the audit trail. Every app records through `record`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from spineclinic.audit.context import current_actor
from spineclinic.audit.models import GENESIS_HASH, Action, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Entry:
    action: str
    patient_id: uuid.UUID | None = None
    object_type: str = ""
    object_id: str = ""
    detail: dict[str, Any] | None = None
    break_glass_reason: str = ""


def _actor_fields(user: Any | None) -> dict[str, Any]:
    actor = current_actor.get()
    if user is None and actor is not None:
        user = actor.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return {
        "user": user,
        "username": user.get_username() if user is not None else "",
        "role": getattr(user, "role", "") if user is not None else "",
        "client_ip": actor.client_ip if actor is not None else None,
    }


def record_many(entries: Iterable[Entry], *, by: Any | None = None) -> list[AuditEvent]:
    """Append entries to the chain in one transaction, in order."""
    entries = list(entries)
    if not entries:
        return []
    who = _actor_fields(by)
    with transaction.atomic():
        # Lock the head: two requests appending at once would otherwise fork the chain.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        rows = []
        prev_hash, seq = head.last_hash, head.last_seq
        for entry in entries:
            seq += 1
            row = AuditEvent(
                seq=seq,
                at=now,
                action=entry.action,
                patient_id=entry.patient_id,
                object_type=entry.object_type,
                object_id=str(entry.object_id),
                detail=entry.detail or {},
                break_glass_reason=entry.break_glass_reason,
                prev_hash=prev_hash,
                **who,
            )
            row.hash = row.compute_hash()
            prev_hash = row.hash
            rows.append(row)
        AuditEvent.objects.bulk_create(rows)
        head.last_seq, head.last_hash = seq, prev_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return rows


def record(
    action: str | Action,
    *,
    by: Any | None = None,
    patient_id: uuid.UUID | None = None,
    obj: Any | None = None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    break_glass_reason: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return record_many(
        [
            Entry(
                action=str(action),
                patient_id=patient_id,
                object_type=object_type,
                object_id=object_id,
                detail=detail,
                break_glass_reason=break_glass_reason,
            )
        ],
        by=by,
    )[0]


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def _iter_chain(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain() -> tuple[int, ChainBreak | None]:
    """Walk the whole trail; return (rows checked, first broken link or None)."""
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for row in _iter_chain():
        count += 1
        if row.seq != expected_seq:
            return count, ChainBreak(expected_seq, f"row #{expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return count, ChainBreak(row.seq, "does not link to the row before it")
        if row.compute_hash() != row.hash:
            return count, ChainBreak(row.seq, "its content was changed after it was written")
        expected_prev, expected_seq = row.hash, row.seq + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_seq != expected_seq - 1:
        return count, ChainBreak(expected_seq, f"rows after #{expected_seq - 1} are missing")
    return count, None
