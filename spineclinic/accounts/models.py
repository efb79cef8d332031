from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic administrator"
    FRONT_DESK = "front_desk", "Front desk"
    CLINICIAN = "clinician", "Clinician"
    PATIENT = "patient", "Patient"


STAFF_ROLES = frozenset({Role.CLINIC_ADMIN, Role.FRONT_DESK, Role.CLINICIAN})


class User(AbstractUser):
    """A person who signs in. Clinicians are linked to their Practitioner record
    (directory.Practitioner.user), patients to their Patient record."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.FRONT_DESK)

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def role_label(self) -> str:
        return Role(self.role).label
