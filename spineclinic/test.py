"""Shared personas for tests, built through the same actions users trigger.

- alice: orthopaedic spine surgeon, lead clinician of the patient
- bob: physical therapist on the same care team
- charlie: a pain-medicine clinician of the clinic, outside this patient's care team
- frank: front desk
- ada: clinic administrator
- pat: the patient, with a sign-in of their own
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.test import Client

from spineclinic.accounts.actions import do_create_user
from spineclinic.accounts.models import Role, User
from spineclinic.directory.models import (
    Discipline,
    Location,
    Organization,
    Practitioner,
    PractitionerRole,
)
from spineclinic.lib.npi import npi_check_digit
from spineclinic.patients.actions import do_add_care_team_member, do_register_patient
from spineclinic.patients.models import Patient

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the personas' test password


def valid_npi(serial: int) -> str:
    first9 = f"15{serial:07d}"
    return first9 + npi_check_digit(first9)


@dataclass
class Clinic:
    organization: Organization
    location: Location
    alice: User
    bob: User
    charlie: User
    frank: User
    ada: User
    pat: User
    patient: Patient

    def client(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def make_clinician(
    username: str, given: str, family: str, discipline: str, location: Location, serial: int
) -> User:
    user = do_create_user(
        username, PASSWORD, role=Role.CLINICIAN, first_name=given, last_name=family
    )
    practitioner = Practitioner.objects.create(
        npi=valid_npi(serial), given_name=given, family_name=family, credentials="MD", user=user
    )
    PractitionerRole.objects.create(
        practitioner=practitioner,
        location=location,
        discipline=Discipline.objects.get(code=discipline),
    )
    return user


def patient_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Patricia",
        "family_name": "Lumbar",
        "date_of_birth": date(1968, 5, 17),
        "sex": "female",
        "phone": "(860) 555-0142",
        "email": "patricia.lumbar@mail.example",
        "city": "Hartford",
        "state": "CT",
        "postal_code": "06106",
        "consent_to_treat": True,
        "consent_to_share_in_clinic": True,
    }
    data.update(overrides)
    return data


def make_clinic() -> Clinic:
    organization = Organization.objects.create(name="Test Spine Center", is_this_clinic=True)
    location = Location.objects.create(
        organization=organization,
        name="Main",
        line1="85 Seymour St",
        city="Hartford",
        state="CT",
        postal_code="06106",
        latitude=41.7543,
        longitude=-72.6870,
    )
    alice = make_clinician("alice", "Alice", "Spinewright", "spine_surgery_ortho", location, 1)
    bob = make_clinician("bob", "Bob", "Stretcher", "physical_therapy", location, 2)
    charlie = make_clinician("charlie", "Charlie", "Outside", "pain_medicine", location, 3)
    frank = do_create_user("frank", PASSWORD, role=Role.FRONT_DESK, first_name="Frank")
    ada = do_create_user("ada", PASSWORD, role=Role.CLINIC_ADMIN, first_name="Ada")
    pat = do_create_user("pat", PASSWORD, role=Role.PATIENT, first_name="Patricia")
    patient = do_register_patient(patient_data(), by=frank)
    patient.user = pat
    patient.save(update_fields=["user"])
    do_add_care_team_member(patient, alice.practitioner, by=frank, is_lead=True)
    do_add_care_team_member(patient, bob.practitioner, by=frank)
    return Clinic(organization, location, alice, bob, charlie, frank, ada, pat, patient)
