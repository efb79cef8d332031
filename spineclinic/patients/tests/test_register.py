from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.patients.models import Patient
from spineclinic.test import Clinic

URL = reverse("patients:register")


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "given_name": "Walter",
        "family_name": "Disc",
        "date_of_birth": "1955-02-03",
        "sex": "male",
        "phone": "860-555-0199",
        "email": "walter.disc@mail.example",
        "state": "CT",
        "postal_code": "06106",
        "consent_to_treat": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_registers_a_patient_with_one_generated_mrn(clinic: Clinic) -> None:
    response = clinic.client(clinic.frank).post(URL, form())
    patient = Patient.objects.get(family_name="Disc")
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", args=[patient.pk])
    assert len(patient.mrn) == 8 and patient.mrn.isdigit()
    assert patient.phone == "(860) 555-0199"
    assert patient.registered_by == clinic.frank
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="create").count() == 1


def test_it_gives_each_patient_a_different_mrn(clinic: Clinic) -> None:
    client = clinic.client(clinic.frank)
    client.post(URL, form())
    client.post(
        URL,
        form(
            given_name="Ursula", family_name="Facet", date_of_birth="1970-01-01", phone="", email=""
        ),
    )
    mrns = set(Patient.objects.values_list("mrn", flat=True))
    assert len(mrns) == Patient.objects.count() == 3


def test_it_warns_of_a_likely_duplicate_and_saves_nothing(clinic: Clinic) -> None:
    # Same birthday, "Pat" for "Patricia", different phone and email.
    response = clinic.client(clinic.frank).post(
        URL,
        form(
            given_name="Pat", family_name="Lumbar", date_of_birth="1968-05-17", phone="", email=""
        ),
    )
    assert response.status_code == 200
    assert b"may already be registered" in response.content
    assert clinic.patient.mrn.encode() in response.content
    assert b"same date of birth and a similar name" in response.content
    assert Patient.objects.count() == 1


def test_it_matches_duplicates_by_phone_or_email(clinic: Clinic) -> None:
    client = clinic.client(clinic.frank)
    by_phone = client.post(URL, form(phone="860.555.0142"))
    by_email = client.post(URL, form(phone="", email="PATRICIA.LUMBAR@mail.example"))
    assert b"same phone number" in by_phone.content
    assert b"same email address" in by_email.content
    assert Patient.objects.count() == 1


def test_it_requires_a_reason_to_override_the_duplicate_warning(clinic: Clinic) -> None:
    data = form(given_name="Pat", family_name="Lumbar", date_of_birth="1968-05-17")
    response = clinic.client(clinic.frank).post(URL, {**data, "confirm_new_patient": "on"})
    assert b"Say how you know" in response.content
    assert Patient.objects.count() == 1


def test_it_records_an_explicit_new_patient_override(clinic: Clinic) -> None:
    data = form(
        given_name="Pat", family_name="Lumbar", date_of_birth="1968-05-17", phone="", email=""
    )
    reason = "Twin sister, different SSN and insurance"
    response = clinic.client(clinic.frank).post(
        URL, {**data, "confirm_new_patient": "on", "override_reason": reason}
    )
    new = Patient.objects.exclude(pk=clinic.patient.pk).get()
    assert response.status_code == 302
    assert new.duplicate_override_reason == reason
    assert new.duplicate_candidates[0]["mrn"] == clinic.patient.mrn
    event = AuditEvent.objects.get(patient_id=new.pk, action="create")
    assert event.detail["duplicate_override"] == reason


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "date_of_birth",
            (date.today() + timedelta(days=1)).isoformat(),
            b"cannot be in the future",
        ),
        ("date_of_birth", "1820-01-01", b"more than 125 years ago"),
        ("date_of_birth", "not a date", b"Enter a valid date"),
        ("phone", "555-12", b"10-digit US number"),
        ("phone", "call me maybe", b"10-digit US number"),
        ("email", "walter@", b"Enter a valid email address"),
        ("postal_code", "6106", b"A ZIP code is 5 digits"),
        ("state", "Connecticut", b"two-letter state code"),
        ("given_name", "", b"This field is required"),
        ("sex", "robot", b"Select a valid choice"),
        ("mrn", "12", b"6 to 12 letters and digits"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(
    clinic: Clinic, field: str, value: str, message: bytes
) -> None:
    before = AuditEvent.objects.count()
    response = clinic.client(clinic.frank).post(URL, form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_it_refuses_a_taken_mrn(clinic: Clinic) -> None:
    response = clinic.client(clinic.frank).post(URL, form(mrn=clinic.patient.mrn))
    assert f"MRN {clinic.patient.mrn} already belongs to a patient".encode() in response.content
    assert Patient.objects.count() == 1


def test_it_keeps_a_legacy_mrn_given_at_registration(clinic: Clinic) -> None:
    clinic.client(clinic.frank).post(URL, form(mrn="legacy0042"))
    assert Patient.objects.get(family_name="Disc").mrn == "LEGACY0042"


def test_it_refuses_clinicians_and_patients(clinic: Clinic) -> None:
    for user in (clinic.charlie, clinic.pat):
        response = clinic.client(user).post(URL, form())
        assert response.status_code == 403
    assert Patient.objects.count() == 1


def test_it_sends_anonymous_users_to_sign_in(clinic: Clinic) -> None:
    response = clinic.client(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
