"""One patient, one record: registration, identity and the care team."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from spineclinic.directory.models import Discipline, Practitioner


class Sex(models.TextChoices):
    # FHIR administrative gender: the values other systems exchange.
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField("MRN", max_length=12, unique=True)
    given_name = models.CharField("first name", max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField("last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(db_index=True)
    sex = models.CharField(max_length=8, choices=Sex.choices)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    line1 = models.CharField("address", max_length=200, blank=True)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=50, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    insurance_payer = models.CharField(max_length=200, blank=True)
    insurance_member_id = models.CharField(max_length=50, blank=True)
    insurance_group = models.CharField(max_length=50, blank=True)
    consent_to_treat = models.BooleanField(default=False)
    consent_to_share_in_clinic = models.BooleanField(default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    # Search and duplicate-detection keys, kept in step by actions.
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    phone_digits = models.CharField(max_length=15, blank=True, db_index=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    # Set when the front desk registered despite likely duplicates, with their reason.
    duplicate_override_reason = models.TextField(blank=True)
    duplicate_candidates = models.JSONField(default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["family_name", "given_name"], name="patient_name")]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class MrnCounter(models.Model):
    """One row holding the last MRN serial; locked while a new MRN is drawn."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_serial = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"last MRN serial {self.last_serial}"


class CareTeamMember(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="care_team_memberships"
    )
    discipline = models.ForeignKey(Discipline, null=True, blank=True, on_delete=models.PROTECT)
    is_lead = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_lead", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "practitioner"], name="one_membership_per_practitioner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} on the care team of {self.patient}"


class BreakGlassGrant(models.Model):
    """Emergency access by a clinician outside the care team: time-limited, reasoned."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"], name="break_glass_lookup")
        ]

    def __str__(self) -> str:
        return f"break-the-glass by {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"
