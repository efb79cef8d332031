"""The clinic and the wider directory: organizations, locations, disciplines, practitioners.

Public data only: nothing here may point at patient data (directory never imports patients).
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from spineclinic.directory.validators import validate_npi


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Source(models.TextChoices):
    CLINIC = "clinic", "Entered by the clinic"
    NPPES = "nppes", "NPPES registry"


class Discipline(models.Model):
    """A spine discipline of REFERENCE section 1; rows come from a data migration."""

    code = models.CharField(max_length=32, primary_key=True)
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=200, blank=True)
    nucc_codes = models.JSONField(default=list)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    npi = models.CharField(
        max_length=10, unique=True, null=True, blank=True, validators=[validate_npi]
    )
    taxonomy_code = models.CharField(max_length=10, blank=True)
    # The organization running this installation: its locations are "in-house".
    is_this_clinic = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.CLINIC)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    name = models.CharField(max_length=200, blank=True)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Normalized address: colleagues registered at one address in NPPES share this key.
    address_key = models.CharField(max_length=255, blank=True, db_index=True)
    integrated = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.CLINIC)

    class Meta:
        ordering = ["name", "city"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_lat_lon")]

    def __str__(self) -> str:
        return self.name or f"{self.line1}, {self.city}"

    @property
    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, f"{self.state} {self.postal_code}"]
        return ", ".join(p for p in parts if p)


class Practitioner(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    npi = models.CharField(
        "NPI", max_length=10, unique=True, null=True, blank=True, validators=[validate_npi]
    )
    prefix = models.CharField(max_length=20, blank=True)
    given_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100)
    credentials = models.CharField(max_length=100, blank=True, help_text="e.g. MD, DO, DPT, DC")
    sex = models.CharField(max_length=1, blank=True)
    active = models.BooleanField(default=True)
    deactivated_on = models.DateField(null=True, blank=True)
    # The sign-in account of a clinician of this clinic; directory-only entries have none.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.CLINIC)

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return f"{name}, {self.credentials}" if self.credentials else name


class PractitionerRole(models.Model):
    """A practitioner practising one discipline at one location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="roles")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="roles")
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="roles")
    accepting_new_patients = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "location", "discipline"], name="one_role_per_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} - {self.discipline} at {self.location}"
