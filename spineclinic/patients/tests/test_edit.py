from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.test import Clinic


def edit_url(clinic: Clinic) -> str:
    return reverse("patients:edit", args=[clinic.patient.pk])


def test_it_changes_registration_data_and_audits_the_fields(clinic: Clinic) -> None:
    data = {
        "given_name": "Patricia",
        "family_name": "Lumbar",
        "date_of_birth": "1968-05-17",
        "sex": "female",
        "phone": "(860) 555-0177",
        "email": "patricia.lumbar@mail.example",
        "city": "Hartford",
        "state": "CT",
        "postal_code": "06106",
        "consent_to_treat": "on",
        "consent_to_share_in_clinic": "on",
    }
    response = clinic.client(clinic.frank).post(edit_url(clinic), data)
    assert response.status_code == 302
    clinic.patient.refresh_from_db()
    assert clinic.patient.phone == "(860) 555-0177"
    assert clinic.patient.phone_digits == "8605550177"
    event = AuditEvent.objects.filter(action="update", patient_id=clinic.patient.pk).latest("seq")
    assert event.detail["fields"] == ["phone"]


def test_it_refuses_a_bad_edit_and_keeps_the_record(clinic: Clinic) -> None:
    response = clinic.client(clinic.frank).post(edit_url(clinic), {"given_name": ""})
    assert response.status_code == 200
    clinic.patient.refresh_from_db()
    assert clinic.patient.given_name == "Patricia"


def test_it_refuses_clinicians_the_registration_editor(clinic: Clinic) -> None:
    assert clinic.client(clinic.alice).get(edit_url(clinic)).status_code == 403
    assert clinic.client(clinic.charlie).get(edit_url(clinic)).status_code == 403
