from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.patients.actions import do_register_patient
from spineclinic.test import Clinic, patient_data

URL = reverse("patients:search")


def test_it_finds_a_patient_by_name_date_of_birth_mrn_or_phone(clinic: Clinic) -> None:
    client = clinic.client(clinic.frank)
    for query in [
        "lumbar",
        "Patr Lumb",
        "1968-05-17",
        "05/17/1968",
        clinic.patient.mrn,
        "(860) 555-0142",
        "8605550142",
    ]:
        response = client.get(URL, {"q": query})
        assert clinic.patient.mrn.encode() in response.content, query


def test_it_says_so_when_nothing_matches(clinic: Clinic) -> None:
    response = clinic.client(clinic.frank).get(URL, {"q": "zebra"})
    assert b"No patient matches" in response.content


def test_it_audits_every_patient_shown_in_results(clinic: Clinic) -> None:
    clinic.client(clinic.frank).get(URL, {"q": "lumbar"})
    event = AuditEvent.objects.get(action="search")
    assert event.patient_id == clinic.patient.pk
    assert event.username == "frank"
    assert event.detail == {"query": "lumbar"}


def test_it_paginates_results(clinic: Clinic) -> None:
    for i in range(30):
        do_register_patient(
            patient_data(
                given_name=f"Name{i:02d}",
                family_name="Sciatica",
                phone="",
                email="",
                date_of_birth=patient_data()["date_of_birth"].replace(year=1950 + i),
            ),
            by=clinic.frank,
        )
    client = clinic.client(clinic.frank)
    first = client.get(URL, {"q": "sciatica"})
    second = client.get(URL, {"q": "sciatica", "page": "2"})
    assert b"30 patients found" in first.content
    assert b"Page 1 of 2" in first.content
    assert first.content.count(b"Sciatica, Name") == 25
    assert second.content.count(b"Sciatica, Name") == 5
    assert AuditEvent.objects.filter(action="search").count() == 30


def test_it_refuses_patients_searching_the_index(clinic: Clinic) -> None:
    response = clinic.client(clinic.pat).get(URL, {"q": "lumbar"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="search").exists()
