"""The audit trail: an append-only, hash-chained record of every access to patient data.

Invariant: rows are only ever inserted, in `seq` order, each carrying
SHA-256(previous hash + its own canonical content). `AuditChainHead` holds the last
seq and hash; inserting locks it, so two writers can never chain to the same parent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Appeared in search results"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    BREAK_GLASS = "break_glass", "Break-the-glass access"
    DENIED = "denied", "Access refused"
    EXPORT = "export", "Exported"


GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name and role are copied, so the trail still reads right after a user changes.
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, blank=True)
    # A plain UUID, not a foreign key: audit sits below every app and must outlive rows.
    patient_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    break_glass_reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["patient_id", "-at"], name="audit_patient_at")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.username or 'system'} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only: rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit trail is append-only: rows cannot be deleted.")

    def canonical(self) -> bytes:
        """The content the hash covers: every field a reader relies on."""
        content: dict[str, Any] = {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role,
            "patient_id": str(self.patient_id) if self.patient_id else None,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "client_ip": self.client_ip,
            "break_glass_reason": self.break_glass_reason,
            "detail": self.detail,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.prev_hash.encode() + self.canonical()).hexdigest()


class AuditChainHead(models.Model):
    """One row: the last link of the chain. Locked by every writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"
