from django.urls import reverse

from spineclinic.audit.models import AuditEvent
from spineclinic.patients.models import CareTeamMember
from spineclinic.test import Clinic


def test_it_lets_the_front_desk_add_a_clinician_to_the_care_team(clinic: Clinic) -> None:
    url = reverse("patients:care_team_add", args=[clinic.patient.pk])
    practitioner = clinic.charlie.practitioner
    response = clinic.client(clinic.frank).post(url, {"practitioner": practitioner.pk})
    assert response.status_code == 302
    assert CareTeamMember.objects.filter(patient=clinic.patient, practitioner=practitioner).exists()
    # Charlie is on the team now: the chart opens without break-the-glass.
    chart = clinic.client(clinic.charlie).get(reverse("patients:chart", args=[clinic.patient.pk]))
    assert chart.status_code == 200
    assert AuditEvent.objects.filter(detail__care_team="added").count() == 3


def test_it_refuses_a_care_team_change_by_a_clinician_outside_it(clinic: Clinic) -> None:
    url = reverse("patients:care_team_add", args=[clinic.patient.pk])
    practitioner = clinic.charlie.practitioner
    response = clinic.client(clinic.charlie).post(url, {"practitioner": practitioner.pk})
    assert response.status_code == 403
    assert not CareTeamMember.objects.filter(practitioner=practitioner).exists()


def test_it_removes_a_member_and_their_access(clinic: Clinic) -> None:
    member = CareTeamMember.objects.get(practitioner__user=clinic.bob)
    url = reverse("patients:care_team_remove", args=[clinic.patient.pk, member.pk])
    clinic.client(clinic.alice).post(url)
    chart = clinic.client(clinic.bob).get(reverse("patients:chart", args=[clinic.patient.pk]))
    assert chart.status_code == 403


def test_it_reports_a_clinician_already_on_the_team(clinic: Clinic) -> None:
    url = reverse("patients:care_team_add", args=[clinic.patient.pk])
    practitioner = clinic.bob.practitioner
    response = clinic.client(clinic.frank).post(url, {"practitioner": practitioner.pk}, follow=True)
    assert b"already on this patient" in response.content
    assert CareTeamMember.objects.filter(practitioner=practitioner).count() == 1
