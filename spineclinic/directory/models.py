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

    @property
    def bit(self) -> int:
        """This discipline's bit in the search index's discipline masks."""
        return 1 << self.sort_order


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


# --- the public search index ---------------------------------------------------------------
# NPPES brings about a million spine providers; the clinic's own practitioners join them.
# The search reads one table (Listing) whose rows carry everything a query filters and
# sorts on, so a search touches one index and no joins until the page is chosen.


def _unique_index(field: str, name: str, message: str) -> models.UniqueConstraint:
    """A unique constraint kept as a separate unique index, not inline in the table.

    SQLite cannot drop the index behind an inline UNIQUE, and the first NPPES load of the
    directory drops every index of these tables and builds them once at the end (3 s of
    a million-row load on SQLite). Django makes an expression constraint an index; both
    databases store an index on the bare column "(npi)" as an ordinary column index, so
    lookups by the column use it as before.
    """
    return models.UniqueConstraint(
        models.F(field),
        name=name,
        violation_error_message=message,
    )


class Practice(models.Model):
    """A practice address: everyone registered at one normalized address falls together.

    A practice is integrated when practitioners of at least
    settings.DIRECTORY_INTEGRATED_MIN_DISCIPLINES spine disciplines work there.
    """

    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)  # unique: Meta
    address_key = models.CharField(max_length=255)  # unique: Meta
    name = models.CharField(max_length=200, blank=True)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # The clinic's own location, when this practice is one of them.
    location = models.OneToOneField(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="practice"
    )
    disciplines = models.IntegerField(default=0)  # bitmask, see Discipline.bit
    discipline_count = models.PositiveSmallIntegerField(default=0)
    provider_count = models.PositiveIntegerField(default=0)
    integrated = models.BooleanField(default=False)

    class Meta:
        constraints = [
            _unique_index(
                "public_id", "practice_public_id_unique", "Another practice has this public id."
            ),
            _unique_index(
                "address_key", "practice_address_key_unique", "Another practice has this address."
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.line1}, {self.city}"

    @property
    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, f"{self.state} {self.postal_code[:5]}"]
        return ", ".join(p for p in parts if p)


class Provider(models.Model):
    """A practitioner or organization with an NPI, as the public directory shows it."""

    id = models.BigAutoField(primary_key=True)
    npi = models.CharField(max_length=10)  # unique: Meta
    entity_type = models.PositiveSmallIntegerField(default=1)  # 1 individual, 2 organization
    name = models.CharField(max_length=300)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    credentials = models.CharField(max_length=100, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    taxonomy_codes = models.CharField(max_length=200, blank=True)  # space-separated NUCC codes
    primary_taxonomy = models.CharField(max_length=10, blank=True)
    disciplines = models.IntegerField(default=0)
    active = models.BooleanField(default=True)
    deactivated_on = models.DateField(null=True, blank=True)
    last_updated = models.DateField(null=True, blank=True)
    # A digest of the imported row: an unchanged row is recognised and left alone.
    row_hash = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.NPPES)
    practitioner = models.OneToOneField(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="provider"
    )

    class Meta:
        constraints = [
            _unique_index("npi", "provider_npi_unique", "Another provider has this NPI.")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.npi})"


class Listing(models.Model):
    """One provider at one practice: the row the search reads.

    cell is a grid square of CELL_DEGREES; (x, y, z) the unit vector of the position, so
    the squared chord to the search point orders and filters by true great-circle distance
    with arithmetic alone (no trigonometry per row, on either database).
    """

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="listings")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="listings")
    cell = models.IntegerField()
    x = models.FloatField()
    y = models.FloatField()
    z = models.FloatField()
    disciplines = models.IntegerField()
    accepting = models.BooleanField(null=True)  # None: not known (NPPES does not say)
    integrated = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    name_key = models.CharField(max_length=200)

    class Meta:
        # No unique (provider, practice) constraint nor a second practice index: the foreign
        # keys' own indexes serve those lookups, and each extra index on this million-row
        # table costs the NPPES import a B-tree insert per row. The importer and
        # index.sync_clinic_practitioner keep one listing per provider and place.
        indexes = [
            # The search starts here: the grid squares around the point, never the
            # discipline (which matches a third of the country).
            # It also covers every column the filter reads, so SQLite answers from the index
            # alone, walking the squares' entries in order instead of jumping to each row.
            # The id closes it for PostgreSQL, whose index-only scan needs every column the
            # query names (SQLite keeps the rowid in each index anyway).
            models.Index(
                fields=[
                    "cell",
                    "disciplines",
                    "active",
                    "accepting",
                    "integrated",
                    "x",
                    "y",
                    "z",
                    "id",
                ],
                name="listing_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"listing {self.provider_id} at {self.practice_id}"


class TaxonomyCode(models.Model):
    """The NUCC Health Care Provider Taxonomy, for display names (imported from NUCC CSV)."""

    code = models.CharField(max_length=10, primary_key=True)
    grouping = models.CharField(max_length=200, blank=True)
    classification = models.CharField(max_length=200, blank=True)
    specialization = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"
