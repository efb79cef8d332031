from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from spineclinic.audit.models import AuditEvent
from spineclinic.patients.models import BreakGlassGrant
from spineclinic.test import Clinic


def chart_url(clinic: Clinic) -> str:
    return reverse("patients:chart", args=[clinic.patient.pk])


def test_it_shows_the_chart_to_the_care_team(clinic: Clinic) -> None:
    for user in (clinic.alice, clinic.bob):
        response = clinic.client(user).get(chart_url(clinic))
        assert response.status_code == 200
        assert b"Lumbar, Patricia" in response.content
        assert b"Alice Spinewright" in response.content  # the care team
        assert response.context["access"].clinical is True


def test_it_shows_registration_but_not_the_clinical_chart_to_the_front_desk(
    clinic: Clinic,
) -> None:
    response = clinic.client(clinic.frank).get(chart_url(clinic))
    assert response.status_code == 200
    assert response.context["access"].clinical is False
    assert b"shown to the patient's care team" in response.content


def test_it_refuses_a_clinician_outside_the_care_team(clinic: Clinic) -> None:
    response = clinic.client(clinic.charlie).get(chart_url(clinic))
    assert response.status_code == 403
    assert b"Break the glass" in response.content
    assert b"patricia.lumbar" not in response.content  # no chart data leaks
    denied = AuditEvent.objects.get(action="denied")
    assert denied.username == "charlie" and denied.patient_id == clinic.patient.pk


def test_it_opens_the_chart_after_break_the_glass_with_a_reason(clinic: Clinic) -> None:
    client = clinic.client(clinic.charlie)
    reason = "Covering the on-call service, patient in ED"
    url = reverse("patients:break_glass", args=[clinic.patient.pk])
    response = client.post(url, {"reason": reason})
    assert response.status_code == 302
    chart = client.get(chart_url(clinic))
    assert chart.status_code == 200
    assert b"Emergency (break-the-glass) access" in chart.content
    loud = AuditEvent.objects.get(action="break_glass")
    assert loud.break_glass_reason == reason
    view = AuditEvent.objects.filter(action="view", username="charlie").latest("seq")
    assert view.break_glass_reason == reason


def test_it_refuses_break_the_glass_without_a_real_reason(clinic: Clinic) -> None:
    url = reverse("patients:break_glass", args=[clinic.patient.pk])
    response = clinic.client(clinic.charlie).post(url, {"reason": "because"})
    assert response.status_code == 403
    assert b"at least 10 characters" in response.content
    assert not BreakGlassGrant.objects.exists()


def test_it_ends_break_the_glass_when_the_grant_expires(clinic: Clinic) -> None:
    BreakGlassGrant.objects.create(
        user=clinic.charlie,
        patient=clinic.patient,
        reason="Old emergency, long over",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert clinic.client(clinic.charlie).get(chart_url(clinic)).status_code == 403


def test_it_refuses_break_the_glass_to_the_front_desk(clinic: Clinic) -> None:
    url = reverse("patients:break_glass", args=[clinic.patient.pk])
    response = clinic.client(clinic.frank).post(url, {"reason": "I would like to read it"})
    assert response.status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_it_shows_who_accessed_the_record(clinic: Clinic) -> None:
    clinic.client(clinic.bob).get(chart_url(clinic))
    response = clinic.client(clinic.alice).get(chart_url(clinic))
    log = response.content.split(b"Who accessed this record")[1]
    assert b"bob" in log and b"alice" in log
    full = clinic.client(clinic.alice).get(reverse("patients:access_log", args=[clinic.patient.pk]))
    assert b"frank" in full.content  # registered the patient


def test_it_answers_404_for_an_unknown_patient(clinic: Clinic) -> None:
    url = reverse("patients:chart", args=["00000000-0000-0000-0000-000000000000"])
    assert clinic.client(clinic.alice).get(url).status_code == 404


def test_it_refuses_the_patient_role_the_staff_chart(clinic: Clinic) -> None:
    assert clinic.client(clinic.pat).get(chart_url(clinic)).status_code == 403


def test_it_shows_a_patient_their_own_record_and_who_opened_it(clinic: Clinic) -> None:
    clinic.client(clinic.alice).get(chart_url(clinic))
    response = clinic.client(clinic.pat).get(reverse("patients:my_record"))
    assert response.status_code == 200
    assert clinic.patient.mrn.encode() in response.content
    assert b"Alice Spinewright" in response.content
    assert b"alice" in response.content.split(b"Who opened your record")[1]


def test_it_refuses_staff_the_patient_portal_page(clinic: Clinic) -> None:
    assert clinic.client(clinic.frank).get(reverse("patients:my_record")).status_code == 403
